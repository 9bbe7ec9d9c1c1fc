"""The dbt project as Dagster assets, downstream of the feed assets: one unbroken lineage
from each file's feed asset through staging and intermediate models to the findings."""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from pension_audit.home import Home

ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT = DbtProject(project_dir=ROOT / "dbt_project", profiles_dir=ROOT / "dbt_project")
DBT_OFFLINE = ROOT / "orchestration" / "dbt-offline"


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


@dbt_assets(manifest=DBT_PROJECT.manifest_path, project=DBT_PROJECT,
            dagster_dbt_translator=LayeredTranslator(
                settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True)))
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Build (run and test) the selected models into the warehouse."""
    yield from dbt.cli(["build"], context=context).stream()


def dbt_resource(home: Home) -> DbtCliResource:
    """dbt writing into the data home's warehouse; its target and logs live there too."""
    os.environ["PENSION_AUDIT_HOME"] = str(home.root)
    os.environ["DBT_LOG_PATH"] = str(home.root / "dbt_logs")
    os.environ["DBT_TARGET_PATH"] = str(home.root / "dbt_target")
    return DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=str(DBT_OFFLINE))
