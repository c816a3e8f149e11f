from kefu.site.navigation import navigation_for


def shell(request):
    """What the base layout needs: the navigation and the unread-notification count.

    Opening a page reads the notices that point to it (an order's page, a complaint's): they
    are marked read here, in the query that counts the unread ones."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from kefu.notify import selectors
    from kefu.notify.services import notifications_open

    if request.method == "GET" and not getattr(request, "htmx", False):
        unread = notifications_open(user=user, path=request.path)
    else:
        unread = selectors.unread_count(user)
    return {"nav_items": navigation_for(user, request.path), "unread_notifications": unread}
