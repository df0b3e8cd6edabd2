from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def unread_notifications(request) -> dict:
    """`unread_notifications`: the signed-in user's unread count, counted only if a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
