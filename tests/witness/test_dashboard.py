"""The dashboard's checkpoint panel shows the ledger's witnesses, the last size each cosigned,
and the policy."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from ledger.app import Ledger
from ledger.app import witnesses as app_witnesses
from ledger.checkpoints import witnesses as work
from tests.builders import Clock
from tests.tui.test_flows import settle, text
from tests.witness.conftest import notes_ledger, sign
from tests.witness.test_collect import Running
from tui.app import LedgerApp


async def test_the_checkpoint_panel_shows_the_witnesses_and_the_policy(tmp_path: Path) -> None:
    fixture = notes_ledger(tmp_path, 2)
    w1 = Running(tmp_path / "w1", fixture, "legal.example/w1")
    w2 = Running(tmp_path / "w2", fixture, "audit.example/w2")
    ledger = Ledger.open(fixture.db, key_dir=None, clock=Clock(), home=tmp_path / "state")
    try:
        app_witnesses.add(ledger, w2.vkey, "http://127.0.0.1:9")  # never answers: nothing
        with w1.serve() as s1:
            app_witnesses.add(ledger, w1.vkey, s1.url)
            app_witnesses.policy(ledger, 1)
            sign(fixture)
            done = app_witnesses.collect(ledger)
        assert done is not None and done.policy_met
        assert work.policy_words(done, 2).startswith("1 of 2 witness(es) cosigned size 5")
        app = LedgerApp(ledger, language="en", start="dashboard")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app)
            await pilot.pause()
            panel = text(app.screen.query_one("#dash-checkpoint", Static))
    finally:
        ledger.close()
    assert "Witness policy" in panel and "1 of 2 must cosign" in panel
    assert "legal.example/w1" in panel and "cosigned up to 5 entries" in panel
    assert "audit.example/w2" in panel and "nothing cosigned yet" in panel
