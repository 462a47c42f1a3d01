"""A class set's page for one student: the name filled in and kept, the id saved."""

from aibyhand.classroom import catalog, check, names, page
from pagekit import browser, open_page  # noqa: F401  (browser is a fixture)


def test_a_students_page_has_their_name_and_saves_it_with_their_id(browser, tmp_path):  # noqa: F811
    """The name box holds the student's name even where the browser remembers another
    (a shared computer); the saved file carries the name, the id and the seed."""
    ws = catalog.get("infonce")
    data = ws.load(seed=3)
    html = page.render(ws, data, seed=3, source="variant 3", student="José Núñez", student_id="s02")
    ctx, tab, errors = open_page(browser, html, tmp_path, accept_downloads=True)
    tab.evaluate("() => localStorage.setItem('aibyhand:student', 'Someone Else')")
    tab.reload()
    assert tab.input_value("#student") == "José Núñez"
    with tab.expect_download() as download:
        tab.click("#save")
    assert download.value.suggested_filename == f"answers-infonce-{names.slug('José Núñez')}.toml"
    path = tmp_path / "saved.toml"
    download.value.save_as(path)
    saved = check.read_answers(path)
    assert (saved["student"], saved["id"], saved["seed"], saved["worksheet"]) == ("José Núñez", "s02", 3, "infonce")
    plain = page.render(ws, data, seed=3)
    assert 'id="student" type="text"' in plain and "value=" not in plain.split('id="student"')[1].split(">")[0]
    ctx.close()
    assert errors == []
