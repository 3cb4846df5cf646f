"""The demo street: the shipped ledger (street-ledger.xlsx) and where to find it."""
from pathlib import Path

LEDGER_PATH = Path(__file__).resolve().parent / "street-ledger.xlsx"
