from api.tests.conftest import api  # noqa: F401  (the JSON client fixture)
