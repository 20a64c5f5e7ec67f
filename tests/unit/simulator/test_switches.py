# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Switch parsing, shared by the CLI and POST /_sim/config."""

import pytest

from kfsim.switches import SwitchError, Switches


@pytest.mark.parametrize("raw, expected", [("on", True), ("OFF", False), ("true", True), ("0", False), (True, True)])
def test_on_off_values(raw, expected):
    assert Switches().updated({"total_count": raw}).total_count is expected


@pytest.mark.parametrize("name, raw, expected", [
    ("status_format", "INT", "int"), ("unknown_id_status", "400", 400), ("unknown_id_status", 404, 404),
    ("signal_received", "Per-Step", "per-step"), ("fault_503", "1", 1.0), ("fault_reset", 0, 0.0),
    ("retry_after", "5", 5), ("seed", "-3", -3), ("api_path", "/Keyfactor/API/", "Keyfactor/API"),
    ("echo_credentials", "JSON", "json"), ("echo_pad", "190", 190),
    ("ignore_page_returned", "yes", True), ("max_return_limit", "25", 25), ("signal_answer", "200-HTML", "200-html"),
    ("key_case", "Camel", "camel"), ("signal_visibility", "roles-null", "roles-null"),
    ("null_fields", " Title, Definition.Version ", ("Title", "Definition.Version")), ("omit_fields", "", ()),
    ("null_fields", ["Signals", "Status"], ("Signals", "Status")),
    ("status_codes", "suspended=7, Complete=-1", (("Suspended", 7), ("Complete", -1))),
])
def test_values_are_normalised(name, raw, expected):
    assert getattr(Switches().updated({name: raw}), name) == expected


@pytest.mark.parametrize("name, raw", [
    ("fault_503", "1.01"), ("fault_503", -0.1), ("fault_503", True), ("retry_after", "1.5"), ("advance_delay", "-1"),
    ("status_format", "names"), ("unknown_id_status", 500), ("api_path", "_sim"), ("api_path", "a b"),
    ("product_version", " "), ("repeat_signal", "drop"), ("echo_credentials", "yaml"), ("echo_pad", -1),
    ("product_version", " "), ("repeat_signal", "drop"), ("max_return_limit", "-1"), ("signal_answer", "201"),
    ("key_case", "snake"), ("null_fields", "Definition.Id.X"), ("omit_fields", "Title;Status"),
    ("signal_visibility", "mine"), ("status_codes", "Paused=7"), ("status_codes", "Suspended=seven"),
])
def test_bad_values_are_refused_with_the_switch_name(name, raw):
    with pytest.raises(SwitchError, match=name):
        Switches().updated({name: raw})


def test_updated_returns_a_copy():
    original = Switches()
    changed = original.updated({"seed": 9})
    assert (original.seed, changed.seed) == (0, 9)
