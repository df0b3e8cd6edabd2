"""Routes of the organisation network: console pages (urls_console) and spreadsheet in/out (urls_excel)."""

from . import urls_console, urls_excel

app_name = "organisations"
urlpatterns = [*urls_console.urlpatterns, *urls_excel.urlpatterns]
