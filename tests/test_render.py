"""The renderer: missing glyphs fail, nothing outside the template folders loads, user text is
escaped, template errors name the template."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib
import pytest

from screener.errors import MissingGlyphError, RenderError
from screener.report.render import html_to_pdf, render_html

pytestmark = pytest.mark.slow


def test_a_character_no_font_has_fails_the_render(tmp_path):
    with pytest.raises(MissingGlyphError) as info:
        html_to_pdf("<p>ok \U000f0001</p>", tmp_path, [tmp_path])
    assert "U+F0001" in str(info.value)
    assert "fonts-noto-cjk" in str(info.value)


def test_a_chart_whose_text_has_no_glyph_fails_the_render_too(tmp_path):
    """Chart text is text (screener.report.svgplot): a tofu inside a chart is refused like
    one in the page, and Chinese in a chart draws with the CJK font."""
    from screener.report.charts import svg_data_uri
    from screener.report.svgplot import Canvas

    def page(label: str) -> str:
        chart = Canvas(200, 40)
        chart.text(10, 20, label, 9)
        return f'<p>ok</p><img src="{svg_data_uri(chart.svg())}">'

    pdf, _ = html_to_pdf(page("算力 compute 10¹¹"), tmp_path, [tmp_path])
    assert pdf.startswith(b"%PDF")
    with pytest.raises(MissingGlyphError) as info:
        html_to_pdf(page("chart \U000f0001"), tmp_path, [tmp_path])
    assert "U+F0001" in str(info.value)


def test_chinese_renders_with_the_installed_cjk_font(tmp_path):
    pdf, pages = html_to_pdf("<p>中际旭创 科大讯飞</p>", tmp_path, [tmp_path])
    assert pdf.startswith(b"%PDF") and pages == 1


def test_without_a_cjk_font_the_render_names_the_characters(tmp_path):
    """A machine whose fontconfig knows only DejaVu (shipped by matplotlib): boxes are refused."""
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    (fonts / "DejaVuSans.ttf").write_bytes(dejavu.read_bytes())
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f"<?xml version='1.0'?><fontconfig><dir>{fonts}</dir>"
        f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>"
    )
    code = textwrap.dedent(f"""
        from pathlib import Path
        from screener.errors import MissingGlyphError
        from screener.report.render import html_to_pdf
        try:
            html_to_pdf("<p>Zhongji 中际</p>", Path({str(tmp_path)!r}), [])
        except MissingGlyphError as exc:
            print("MISSING", exc.characters)
            print(exc)
    """)
    env = {"FONTCONFIG_FILE": str(conf), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert "MISSING" in out.stdout, out.stderr
    first, message = out.stdout.splitlines()[0], out.stdout
    assert "中" in first and "际" in first and "Z" not in first
    assert "apt-get install fonts-noto-cjk" in message


def test_remote_and_outside_files_are_refused(tmp_path, listener):
    secret = tmp_path / "outside.css"
    secret.write_text("p { color: red }")
    inside = tmp_path / "templates"
    inside.mkdir()
    link = inside / "escape.css"
    link.symlink_to(secret)
    for url in (f"http://127.0.0.1:{listener.port}/x.png", f"file://{secret}", "escape.css"):
        html = f'<link rel="stylesheet" href="{url}"><img src="{url}"><p>x</p>'
        with pytest.raises(RenderError, match="outside the template and asset folders"):
            html_to_pdf(html, inside, [inside])
    assert listener.hits == []


def test_files_inside_the_template_folder_load(tmp_path):
    (tmp_path / "style.css").write_text("p { color: #123456 }")
    pdf, _ = html_to_pdf('<link rel="stylesheet" href="style.css"><p>x</p>', tmp_path, [tmp_path])
    assert pdf.startswith(b"%PDF")


def test_user_text_is_escaped_and_fetches_nothing(tmp_path, listener):
    (tmp_path / "t.html.j2").write_text("<p>{{ thesis }}</p>")
    thesis = f'<img src="http://127.0.0.1:{listener.port}/x"><script>alert(1)</script>'
    html = render_html([tmp_path], "t.html.j2", {"thesis": thesis})
    assert "<img" not in html and "&lt;img src=" in html and "&lt;script&gt;" in html
    html_to_pdf(html, tmp_path, [tmp_path])
    assert listener.hits == []


def test_a_missing_value_fails_and_names_the_template(tmp_path):
    (tmp_path / "t.html.j2").write_text("<p>\n{{ nothing.here }}</p>")
    with pytest.raises(RenderError, match=r"t.html.j2"):
        render_html([tmp_path], "t.html.j2", {})


def test_a_syntax_error_names_template_and_line(tmp_path):
    (tmp_path / "t.html.j2").write_text("<p>\n\n{% if %}</p>")
    with pytest.raises(RenderError, match=r"t.html.j2:3"):
        render_html([tmp_path], "t.html.j2", {})


def test_a_template_edited_between_two_renders_renders_as_edited(tmp_path):
    """Templates are compiled once per process (a briefing built again in the same process
    reuses them), keyed by the text: an edit, even one that keeps the size and the mtime, is
    compiled afresh; a hostile edit is refused as on the first render."""
    import os

    path = tmp_path / "t.html.j2"
    path.write_text("<p>{{ a }}</p>")
    assert render_html([tmp_path], "t.html.j2", {"a": 1, "b": 2}) == "<p>1</p>"
    stat = path.stat()
    path.write_text("<p>{{ b }}</p>")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert render_html([tmp_path], "t.html.j2", {"a": 1, "b": 2}) == "<p>2</p>"
    path.write_text("<p>{{ a.__class__.__mro__ }}</p>")
    with pytest.raises(RenderError, match="refused"):
        render_html([tmp_path], "t.html.j2", {"a": 1})


def test_compiled_templates_are_kept_between_processes_and_an_edit_compiles_afresh(
    tmp_path, monkeypatch
):
    """With a folder for them, a later process (here: the in-process copies forgotten) loads
    the compiled template instead of compiling it; an edited template compiles afresh and a
    damaged file is a miss."""
    import os

    import jinja2

    from screener.report import render

    kept, path = tmp_path / "kept", tmp_path / "t.html.j2"
    path.write_text("<p>{{ a }}</p>")
    assert render_html([tmp_path], "t.html.j2", {"a": 1, "b": 2}, compiled_dir=kept) == "<p>1</p>"
    files = list(kept.rglob("*.jinja"))
    assert len(files) == 1
    monkeypatch.setattr(render._COMPILED, "code", {})  # a new process
    compiled = []
    original = jinja2.Environment.compile

    def counting(self, *args, **kwargs):
        compiled.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    assert render_html([tmp_path], "t.html.j2", {"a": 1, "b": 2}, compiled_dir=kept) == "<p>1</p>"
    assert compiled == []
    stat = path.stat()
    path.write_text("<p>{{ b }}</p>")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    monkeypatch.setattr(render._COMPILED, "code", {})
    assert render_html([tmp_path], "t.html.j2", {"a": 1, "b": 2}, compiled_dir=kept) == "<p>2</p>"
    assert len(compiled) == 1
    files[0].write_bytes(b"damaged")
    monkeypatch.setattr(render._COMPILED, "code", {})
    assert render_html([tmp_path], "t.html.j2", {"a": 1, "b": 2}, compiled_dir=kept) == "<p>2</p>"
    assert len(compiled) == 2
