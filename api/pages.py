"""Small server-rendered pages for links people open from e-mail, which must work in any
mail client's browser: Japanese first, English second, no scripts."""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse


def page(title_ja: str, title_en: str, body: str, status: int = 200) -> HTMLResponse:
    html = f"""<!doctype html>
<html lang="ja">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title_ja)} / {escape(title_en)} — machimap</title></head>
<body>
<main>
<h1>{escape(title_ja)} <span lang="en">/ {escape(title_en)}</span></h1>
{body}
</main>
</body>
</html>"""
    return HTMLResponse(html, status_code=status)


def message(ja: str, en: str) -> str:
    return f'<p>{escape(ja)}</p>\n<p lang="en">{escape(en)}</p>'
