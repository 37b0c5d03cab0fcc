"""Pure rules: both status sets mapped (an unknown one kept), results.csv read by header name with blanks allowed."""

from __future__ import annotations

import pytest

from finetune.monitoring import parse_results_csv
from finetune.statuses import is_terminal, is_waiting, status_word


@pytest.mark.parametrize(("status", "word", "terminal", "waiting"), [
    ("created", "queued", False, True),  # Azure, compat only
    ("pending", "queued", False, True),  # Azure GA
    ("queued", "queued", False, True),  # OpenAI
    ("validating_files", "validating files", False, True),
    ("running", "running", False, False),
    ("succeeded", "succeeded", True, False),
    ("failed", "failed", True, False),
    ("cancelled", "cancelled", True, False),
    ("Cancelled", "cancelled", True, False),
    ("hibernating", "unknown (hibernating)", False, False),
    ("", "unknown", False, False),
])
def test_statuses(status, word, terminal, waiting):
    assert (status_word(status), is_terminal(status), is_waiting(status)) == (word, terminal, waiting)


def test_results_csv_is_read_by_header_name_whatever_the_order():
    text = ("train_mean_token_accuracy,step,train_loss,valid_loss,valid_mean_token_accuracy,full_valid_loss,"
            "full_valid_mean_token_accuracy\n0.5,1,2.0,,,,\n0.75,2,1.5,1.7,0.6,1.65,0.62\n")
    rows = parse_results_csv(text)
    assert rows[0] == (1, {"train_accuracy": 0.5, "train_loss": 2.0, "valid_loss": None, "valid_accuracy": None,
                           "full_valid_loss": None, "full_valid_accuracy": None})
    assert rows[1][1]["full_valid_accuracy"] == 0.62 and rows[1][0] == 2


def test_older_column_names_and_stray_rows():
    text = "step,training_loss,training_accuracy,validation_loss,validation_accuracy,extra\n3,0.9,0.8,1.0,0.7,x\n,,\n"
    assert parse_results_csv(text) == [(3, {"train_loss": 0.9, "train_accuracy": 0.8, "valid_loss": 1.0,
                                            "valid_accuracy": 0.7})]


def test_the_docs_spelling_of_validation_accuracy():
    rows = parse_results_csv("step,validation_mean_token_accuracy\n1,0.4\n")
    assert rows == [(1, {"valid_accuracy": 0.4})]
