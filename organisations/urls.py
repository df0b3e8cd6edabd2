"""Routes of the organisation network: console pages, the party-member roster, and spreadsheets in/out."""

from . import urls_console, urls_excel, urls_members

app_name = "organisations"
urlpatterns = [*urls_console.urlpatterns, *urls_members.urlpatterns, *urls_excel.urlpatterns]
