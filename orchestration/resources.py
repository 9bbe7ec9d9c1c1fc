"""The data home and inbox as a Dagster resource: the only thing assets know of the world."""


from pathlib import Path

import dagster as dg

from pension_audit.home import Home
from pension_audit.load import Warehouse


class DataHome(dg.ConfigurableResource):
    """Where files arrive (`inbox`), where everything built from them lives (`home`), and the
    case store findings are published into (`database_url`; empty: PENSION_AUDIT_DATABASE_URL,
    else `cases.sqlite` in the data home, as the API's settings say)."""

    home: str
    inbox: str
    database_url: str = ""

    @property
    def inbox_path(self) -> Path:
        return Path(self.inbox)

    @property
    def warehouse_path(self) -> Path:
        return Home.at(self.home).warehouse

    def warehouse(self) -> Warehouse:
        return Warehouse(self.warehouse_path)

    def store_url(self) -> str:
        from api.settings import Settings

        return self.database_url or Settings(home=self.home).store_url
