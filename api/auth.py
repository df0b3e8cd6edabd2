from ninja.security import HttpBearer

from accounts.services import api_token_user, token_hash


class BearerAuth(HttpBearer):
    def authenticate(self, request, token: str):
        user = api_token_user(token)
        if user is None:
            return None
        request.user = user
        # Which token opened this request, so that logging out revokes that one (only its hash is kept).
        request.api_token_hash = token_hash(token)
        return user
