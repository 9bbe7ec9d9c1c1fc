"""Documents as the bureau issues them: one builder per document (what it says, from the case
store, and who may have it), Jinja templates (templates/), print CSS, WeasyPrint, the CJK font,
amounts and dates in Chinese, charts, lists as CSV and XLSX. See README.md beside this file."""
