"""The composition root: what puts kefu's apps together into one product.

The top-bar menu, the workspace (the home page), the unread-notification count in the
layout, the language switch, the rows every installation needs and the ``kefu demo``,
``kefu serve``, ``kefu worker`` and ``kefu createadmin`` commands. It may import any app;
no app imports it (``kefu.core``, the kernel, imports no other app at all).
"""
