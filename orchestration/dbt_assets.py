"""The dbt project as Dagster assets, downstream of the feed assets: one unbroken lineage
from each file's feed asset through staging and intermediate models to the published marts."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.dbt_project import DBT_EXECUTABLE, DBT_PROJECT
from orchestration.resources import DataHome
from orchestration.warehouse_queries import findings_built


class LayeredTranslator(DagsterDbtTranslator):
    """Models are keyed by their layer (schema) and name: staging/stg_roster,
    marts/findings. Sources keep the key their `meta.dagster.asset_key` names (raw/<feed>; both
    tables of the `casework` source name the one asset that writes them, case_store/decisions)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("schema") or "dbt"


def build_dbt_models(manifest: Path) -> dg.AssetsDefinition:
    """The dbt models as one multi-asset, from a prepared manifest (built when the definitions
    are, never at import)."""

    @dbt_assets(
        manifest=manifest,
        project=DBT_PROJECT,
        name="dbt_models",
        dagster_dbt_translator=LayeredTranslator(
            settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True)
        ),
    )
    def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, data_home: DataHome):
        """Build (run and test) the selected models into the data home's warehouse. The unit tests
        (one rule edge each, on fixed rows) check the project's SQL, not the data: a cold build
        runs them with every data test, as CI does; a build over findings already built (an
        increment) leaves them out."""
        settings = data_home.settings()
        args = ["build", "--vars", settings.dbt_vars()]
        if findings_built(settings.warehouse_path):
            args += ["--exclude-resource-type", "unit_test"]
        yield from dbt.cli(args, context=context, target_path=settings.home / "dbt_target").stream()

    return dbt_models


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=str(DBT_EXECUTABLE))
