"""The lists and reports by name: made on request, from the case store (the command line's
`report`, the API's and the console's downloads)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from casework.models import User
from reports.documents import KINDS
from reports.documents.accountability_report import accountability_report
from reports.documents.certification_report import certification_report
from reports.documents.common import Document, NotAvailable
from reports.documents.inspection_summary import inspection_summary
from reports.documents.payroll_lists import resumption_list, suspension_list


def _need(name: str, value, option: str):
    if value is None:
        raise NotAvailable("parameter_required", f"{KINDS[name].label}需要参数 {option}")
    return value


def build_list(
    name: str,
    session: Session,
    user: User | None,
    *,
    year: int | None = None,
    month: str | None = None,
    township: str | None = None,
) -> Document:
    """A list or report by its name and parameters."""
    match name:
        case "suspension-list":
            return suspension_list(session, user, _need(name, month, "--month"))
        case "resumption-list":
            return resumption_list(session, user, _need(name, month, "--month"))
        case "inspection-summary":
            return inspection_summary(session, user, _need(name, month, "--month"), township)
        case "certification-report":
            return certification_report(session, user, _need(name, year, "--year"), _need(name, township, "--township"))
        case "accountability-report":
            return accountability_report(session, user, year, month)
    raise NotAvailable("not_a_list", f"{KINDS[name].label}不是名单或报告")
