"""Random sequences of check-outs, returns, losses, retirements and the rest, driven through
the real services on both databases; after every step the invariants hold.

The model predicts, from each item's state alone, whether a step may succeed (the rule set
used here is permissive, so only the lifecycle decides): a step the model allows must
succeed, a step it refuses must fail with a domain error, never with anything else.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle, RuleBasedStateMachine, initialize, invariant, precondition, rule,
    run_state_machine_as_test,
)
from piccolo.engine.postgres import PostgresEngine

from inventory.app import bind_tables
from inventory.db.engine import close_engine, engine_from_url
from inventory.db.tables import Item, ItemEvent, LoanLine, PartnerOrg, Site
from inventory.domain.errors import DomainError
from inventory.domain.rulesets import default_text
from inventory.services import (
    beneficiaries, checkout, eligibility, items, loans, referrals, repairs, wipes,
)
from inventory.services.common import SYSTEM, today
from tests.conftest import TABLES

PREFIX = "ESN"
# Only the lifecycle decides: no limits, cooldowns or budgets get in the way.
PERMISSIVE = (default_text()
              .replace('version = "2026.1"', 'version = "stateful"')
              .replace("device = 1", "device = 50").replace("device = 2", "device = 50")
              .replace("card = 1", "card = 50").replace("card = 2", "card = 50")
              .replace("card_budget_per_month_eur = 20", "card_budget_per_month_eur = 100000"))
for kind in ("laptop", "desktop", "tablet", "smartphone", "hotspot"):
    PERMISSIVE = PERMISSIVE.replace(f"{kind} = 365", f"{kind} = 0").replace(
        f"{kind} = 90", f"{kind} = 0")

RETIRABLE = {"received", "refurbishing", "available", "reserved", "returned", "in_repair",
             "lost", "stolen"}


def machine_for(kind: str, location: str):
    """A state machine class bound to one database (a template file or a PostgreSQL URL)."""

    class LendingMachine(RuleBasedStateMachine):
        tags = Bundle("tags")

        def __init__(self) -> None:
            super().__init__()
            self.loop = asyncio.new_event_loop()
            self.model: dict[str, str] = {}
            self.transitions = 0
            self.unsettled_losses = 0  # a loss blocks new loans until it is settled
            self.tickets: dict[str, int] = {}  # open repair tickets by tag
            self.sites: dict[str, str] = {}
            self.person = ""
            self.engine = self.run(self._open())

        def run(self, coro):
            return self.loop.run_until_complete(coro)

        async def _open(self):
            if kind == "sqlite":
                self.tmp = Path(tempfile.mkdtemp()) / "db.sqlite3"
                shutil.copyfile(location, self.tmp)
                engine = engine_from_url(f"sqlite:///{self.tmp}")
            else:
                engine = PostgresEngine(config={"dsn": location})
                await engine.start_connection_pool(min_size=1, max_size=2)
                tables = ", ".join(f'"{t}"' for t in TABLES)
                await engine._run_in_pool(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            bind_tables(engine)
            return engine

        def teardown(self) -> None:
            self.run(close_engine(self.engine))
            self.loop.close()
            if kind == "sqlite":
                shutil.rmtree(self.tmp.parent, ignore_errors=True)

        @initialize()
        def setup_person(self) -> None:
            async def go():
                await Site.insert(Site(code="AUB", name="Aubiers"), Site(code="BAC", name="Bacalan"))
                org = PartnerOrg(name="CCAS", org_type="ccas", commune="Bordeaux")
                await org.save()
                await eligibility.save_ruleset(SYSTEM, PERMISSIVE)
                person = await beneficiaries.create_beneficiary(
                    SYSTEM, partner_org_id=org.id, site_code="AUB", first_name="Awa",
                    last_name="Sy", birth_year=1980, commune="Bordeaux",
                    situation="minima_sociaux", consent_on=today(), consent_version="1")
                await referrals.create_referral(SYSTEM, person["number"],
                                                requested_kinds=["laptop", "tablet"])
                decision = await eligibility.decide(SYSTEM, person["number"],
                                                    eligibility.DecisionRequest(
                                                        requested_kinds=("laptop", "tablet")))
                assert decision["eligible"], decision["reasons"]
                return person["number"]

            self.person = self.run(go())

        def attempt(self, allowed: bool, coro) -> bool:
            """Run a step; it succeeds exactly when the model allows it."""
            try:
                self.run(coro)
            except DomainError:
                assert not allowed, "the model allowed a step the service refused"
                return False
            assert allowed, "the service accepted a step the model refuses"
            return True

        # Few items in play, so that each goes far through its life.
        @precondition(lambda self: sum(s != "retired" for s in self.model.values()) < 3)
        @rule(target=tags, kind=st.sampled_from(["laptop", "tablet"]))
        def intake(self, kind):
            row = self.run(items.register_item(SYSTEM, kind=kind, site_code="AUB",
                                               prefix=PREFIX, accessories=["chargeur"]))
            self.model[row["tag"]] = "received"
            self.sites[row["tag"]] = "AUB"
            return row["tag"]

        @rule(tag=tags, state=st.sampled_from(["refurbishing", "available", "in_repair"]))
        def move(self, tag, state):
            allowed = tag not in self.tickets and (self.model[tag], state) in {
                ("received", "refurbishing"), ("refurbishing", "available"),
                ("refurbishing", "in_repair"), ("available", "refurbishing"),
                ("available", "in_repair"), ("returned", "in_repair"),
                ("in_repair", "refurbishing"), ("reserved", "available"),
            }
            if self.attempt(allowed, items.change_state(SYSTEM, tag, state)):
                self.model[tag] = state
                self.transitions += 1

        @rule(tag=tags)
        def make_ready(self, tag):
            """Refurbish and put on the shelf, the common path, in one step."""
            if self.model[tag] == "received":
                self.run(items.change_state(SYSTEM, tag, "refurbishing"))
                self.run(items.change_state(SYSTEM, tag, "available"))
                self.model[tag] = "available"
                self.transitions += 2

        @rule(tag=tags)
        def check_out(self, tag):
            request = checkout.CheckOut(beneficiary=self.person,
                                     lines=(checkout.LineRequest(tag, ("chargeur",)),))
            allowed = self.model[tag] in ("available", "reserved") and not self.unsettled_losses
            if self.attempt(allowed, checkout.check_out(SYSTEM, request, PREFIX)):
                self.model[tag] = "on_loan"
                self.transitions += 1

        @rule(tag=tags)
        def lend_and_take_back(self, tag):
            """The common round trip in one step, so that returned devices come often."""
            if self.model[tag] == "available" and not self.unsettled_losses:
                self.check_out(tag)
                self.give_back(tag, bring_charger=True)

        @rule(tag=tags, bring_charger=st.booleans())
        def give_back(self, tag, bring_charger):
            back = ["chargeur"] if bring_charger else []
            allowed = self.model[tag] == "on_loan"
            if self.attempt(allowed, loans.return_item(SYSTEM, tag, PREFIX,
                                                       accessories_back=back)):
                self.model[tag] = "returned"
                self.transitions += 1

        @rule(tag=tags, outcome=st.sampled_from(["lost", "stolen"]), draw=st.integers(0, 3))
        def lose(self, tag, outcome, draw):
            if draw:
                return
            allowed = self.model[tag] == "on_loan"
            if self.attempt(allowed, loans.declare_loss(SYSTEM, tag, PREFIX, outcome=outcome,
                                                        on=today(), circumstances="test")):
                self.model[tag] = outcome
                self.transitions += 1
                self.unsettled_losses += 1

        @precondition(lambda self: self.unsettled_losses > 0)
        @rule()
        def settle_a_loss(self):
            async def go():
                line = await LoanLine.select(LoanLine.id).where(
                    LoanLine.outcome.is_in(["lost", "stolen"])
                    & LoanLine.loss_resolved_at.is_null()).first()
                await loans.resolve_loss(SYSTEM, line["id"] if line else 0, "réglé")

            if self.attempt(True, go()):
                self.unsettled_losses -= 1

        # Retirements and losses end an item's useful life: draw them less often than the
        # other steps (one time in four), so that items live long enough to go everywhere.
        @rule(tag=tags, draw=st.integers(0, 3))
        def retire(self, tag, draw):
            if draw:
                return
            allowed = self.model[tag] in RETIRABLE and not (
                self.model[tag] == "in_repair" and tag in self.tickets)
            if self.attempt(allowed, items.change_state(SYSTEM, tag, "retired")):
                self.model[tag] = "retired"
                self.transitions += 1

        @rule(tag=tags, passed=st.booleans(), check=st.booleans())
        def wipe(self, tag, passed, check):
            state = self.model[tag]
            allowed = state in ("returned", "in_repair")
            done = self.attempt(allowed, wipes.record_wipe(
                SYSTEM, tag, PREFIX, method="nist_clear", tool="nwipe", wiped_on=today(),
                passed=passed, check_passed=check))
            if done and passed and check and tag not in self.tickets:
                self.model[tag] = "available"
                self.transitions += 1

        @rule(tag=tags)
        def open_repair(self, tag):
            allowed = (tag not in self.tickets
                       and self.model[tag] in ("returned", "available", "refurbishing"))

            async def go():
                ticket = await repairs.open_repair(SYSTEM, tag, PREFIX, "écran", workshop=True)
                self.tickets[tag] = ticket["id"]

            if self.attempt(allowed, go()):
                self.model[tag] = "in_repair"
                self.transitions += 1

        @rule(tag=tags, outcome=st.sampled_from(["refurbishing", "recycled"]))
        def close_repair(self, tag, outcome):
            allowed = tag in self.tickets
            ticket = self.tickets.get(tag, 0)
            if self.attempt(allowed, repairs.close_repair(SYSTEM, ticket, outcome)):
                del self.tickets[tag]
                self.model[tag] = "refurbishing" if outcome == "refurbishing" else "retired"
                self.transitions += 1

        @rule(tag=tags)
        def transfer(self, tag):
            other = "BAC" if self.sites[tag] == "AUB" else "AUB"
            allowed = self.model[tag] in ("received", "refurbishing", "available", "returned",
                                          "in_repair")
            if self.attempt(allowed, items.transfer_item(SYSTEM, tag, other)):
                self.sites[tag] = other

        @rule(tag=tags)
        def lend_without_a_loan(self, tag):
            """No item is ever "on loan" without a loan."""
            self.attempt(False, items.change_state(SYSTEM, tag, "on_loan"))

        @rule(tag=tags)
        def skip_the_wipe(self, tag):
            """A returned or repaired device is never available again without a wipe."""
            if self.model[tag] in ("returned", "in_repair"):
                self.attempt(False, items.change_state(SYSTEM, tag, "available"))

        @invariant()
        def database_matches_the_model(self):
            async def check():
                rows = await Item.select(Item.tag, Item.state, Item.site.code.as_alias("site"))
                assert {r["tag"]: r["state"] for r in rows} == self.model
                assert {r["tag"]: r["site"] for r in rows} == self.sites
                open_lines = await LoanLine.select(LoanLine.item).where(
                    LoanLine.closed_at.is_null())
                assert len(open_lines) == len({r["item"] for r in open_lines})
                on_loan = sum(1 for s in self.model.values() if s == "on_loan")
                assert len(open_lines) == on_loan
                changes = await ItemEvent.count().where(ItemEvent.action == "transition")
                assert changes == self.transitions

            self.run(check())

    return LendingMachine


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_random_sequences_keep_every_invariant(kind, request):
    location = (request.getfixturevalue("sqlite_template") if kind == "sqlite"
                else request.getfixturevalue("pg_url"))
    machine = machine_for(kind, str(location))
    run_state_machine_as_test(machine, settings=settings(
        max_examples=60 if kind == "sqlite" else 15, stateful_step_count=60, deadline=None))
