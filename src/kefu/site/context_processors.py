from kefu.site.navigation import navigation_for


def shell(request):
    """What the base layout needs: the navigation and the unread-notification count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from kefu.notify.models import Notification

    return {
        "nav_items": navigation_for(user, request.path),
        "unread_notifications": Notification.objects.filter(
            recipient=user, read_at__isnull=True
        ).count(),
    }
