"""The data home and inbox as a Dagster resource: the only thing assets know of the world."""


from pathlib import Path

import dagster as dg

from pension_audit.home import Home
from pension_audit.load import Warehouse


class DataHome(dg.ConfigurableResource):
    """Where files arrive (`inbox`) and where everything built from them lives (`home`)."""

    home: str
    inbox: str

    @property
    def inbox_path(self) -> Path:
        return Path(self.inbox)

    def warehouse(self) -> Warehouse:
        return Warehouse(Home.at(self.home).warehouse)
