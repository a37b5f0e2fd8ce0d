"""What is wrong with a sign-up form, every problem at once, before anything is stored.

The sign-up page shows the whole list, so a person fixes the form in one go rather than meeting
the problems one submit at a time. The same rules as ``create_user`` (which still checks
everything itself when the account is made): a username of the allowed shape, a display name
without hidden characters, an e-mail address of the right shape, the password policy, and the
password typed the same twice. Whether the username or e-mail is already in use is only known
when the account is written; ``register`` says so then, in words that do not tell which.
"""

from __future__ import annotations

from elearn.store.accounts import USERNAME_PATTERN, password_problems
from elearn.store.fields import display_name_problem, email_problem
from elearn.store.users import normalize_username


def sign_up_problems(*, username: str, display_name: str, email: str, password: str, repeat: str) -> list[str]:
    """Every problem with the form's fields, each naming the field as the form labels it (empty: fine)."""
    problems = []
    name = normalize_username(username)
    if not USERNAME_PATTERN.match(name):
        problems.append("Username: use 1-64 letters, digits and . _ @ + - (starting with a letter or digit).")
    _, problem = display_name_problem(display_name, label="Your name")
    if problem is not None:
        problems.append(problem)
    if email.strip() and (problem := email_problem(email.strip(), label="Work email", quote=False)):
        problems.append(problem)
    problems += [f"Password: {problem}" for problem in password_problems(name, password)]
    if password != repeat:
        problems.append("Password again: the two passwords are different. Type the same password twice.")
    return problems
