"""Documents as the bureau issues them: Jinja templates (templates/), print CSS, WeasyPrint,
the CJK font, amounts and dates in Chinese, charts. What each document says and who may have
it is api/services/documents.py; see README.md beside this file."""
