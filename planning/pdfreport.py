"""The planners' report as PDF: the self-contained HTML report printed by headless Chromium.

Chromium (the Debian package `chromium`, installed by `make system` for the web-map tests) prints the
page through Playwright, so the PDF is exactly the HTML report: the same tables, bar chart and gap map,
with CJK text from the system's Noto CJK fonts. No network access is needed.
"""

from __future__ import annotations

import shutil

from gis.errors import DaoanError

# Chromium flags for a machine without a GPU or a sandbox-capable kernel (containers, CI).
_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


class PdfUnavailable(DaoanError):
    """No Chromium to print with."""

    status = 503
    title = "PDF unavailable"


def chromium_path() -> str | None:
    """The Chromium executable Playwright drives, when installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def html_to_pdf(page_html: str) -> bytes:
    """`page_html` printed to A4 landscape PDF (backgrounds kept, 12 mm margins)."""
    executable = chromium_path()
    if executable is None:
        raise PdfUnavailable(
            "a PDF report needs Chromium on the server: install the Debian package 'chromium' (make system); "
            "meanwhile take the HTML report (format=html over HTTP, --out report.html on the command line) "
            "and print it from a browser"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=_ARGS)
        try:
            page = browser.new_page()
            page.set_content(page_html, wait_until="load")
            margin = "12mm"
            return page.pdf(
                format="A4",
                landscape=True,
                print_background=True,
                margin={"top": margin, "bottom": margin, "left": margin, "right": margin},
            )
        finally:
            browser.close()
