from ninja.security import HttpBearer

from accounts.services import api_token_user


class BearerAuth(HttpBearer):
    def authenticate(self, request, token: str):
        user = api_token_user(token)
        if user is None:
            return None
        request.user = user
        return user
