"""Single sign-on links an identity to an account only by its subject id, or by an e-mail that
both the identity provider and this server have verified; otherwise it creates nothing and says why."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from elearn.store import (
    AccessDenied,
    AccountError,
    Identity,
    IdentityRefused,
    Role,
    Store,
    confirm_email,
    confirm_email_by_username,
    create_user,
    register,
    sign_in_with_identity,
)
from elearn.store.identities import identities_of
from elearn.store.tables import IdentityLinkRow, UserRow

from .helpers import NOW, PASSWORD, World

IDP = "https://login.example.com"


def maria(email: str | None = "maria@example.com", verified: bool = True, subject: str = "sub-maria") -> Identity:
    return Identity(issuer=IDP, subject=subject, email=email, email_verified=verified, name="Maria Santos")


def counts(store: Store) -> tuple[int, int]:
    return store.read(lambda conn: (conn.scalar(select(func.count()).select_from(UserRow)),
                                    conn.scalar(select(func.count()).select_from(IdentityLinkRow))))


def test_an_account_the_administrator_made_is_linked_by_verified_email_then_by_subject(store: Store) -> None:
    account = create_user(store, username="maria", display_name="Maria", password=None, email="Maria@Example.com",
                          now=NOW)
    assert account.email_verified
    assert sign_in_with_identity(store, maria(), NOW, allow_sign_up=False) == account
    assert identities_of(store, account.id) == ((IDP, "sub-maria"),)
    # From now on the subject picks the account, whatever e-mail the provider sends.
    assert sign_in_with_identity(store, maria(email="m.santos@example.com", verified=False), NOW,
                                 allow_sign_up=False) == account


def test_a_verified_email_nobody_uses_gets_a_verified_learner_account_when_sign_up_is_on(store: Store) -> None:
    user = sign_in_with_identity(store, maria(), NOW, allow_sign_up=True)
    assert (user.username, user.display_name, user.email, user.email_verified, user.has_password) == (
        "maria@example.com", "Maria Santos", "maria@example.com", True, False)
    assert user.roles == frozenset({Role.LEARNER})
    assert sign_in_with_identity(store, maria(), NOW, allow_sign_up=True) == user
    assert counts(store) == (1, 1)


@pytest.mark.parametrize(
    ("identity", "allow_sign_up", "message"),
    [
        (maria(verified=False), True,
         "Your organisation's sign-in did not confirm that maria@example.com is yours (its email_verified claim is "
         "not true), so it can't be matched to an account. Ask your administrator."),
        (maria(email=None), True,
         "Your organisation's sign-in gave no e-mail address and is not linked to an account here yet, so you "
         "can't be signed in. Ask your administrator for an account."),
        (maria(), False, "There is no account for maria@example.com yet. Ask your administrator for one."),
        (Identity(issuer="", subject="x", email="maria@example.com", email_verified=True), True,
         "Your organisation's sign-in did not say who you are (its issuer and subject id are missing or too long), "
         "so you can't be signed in. Ask your administrator to check the single sign-on set-up."),
        (Identity(issuer=IDP, subject="x" * 256, email="maria@example.com", email_verified=True), True,
         "Your organisation's sign-in did not say who you are (its issuer and subject id are missing or too long), "
         "so you can't be signed in. Ask your administrator to check the single sign-on set-up."),
    ],
)
def test_identities_that_cannot_be_trusted_create_nothing(
    store: Store, identity: Identity, allow_sign_up: bool, message: str
) -> None:
    with pytest.raises(IdentityRefused) as refused:
        sign_in_with_identity(store, identity, NOW, allow_sign_up=allow_sign_up)
    assert str(refused.value) == message
    assert counts(store) == (0, 0)


def test_a_self_registered_email_is_never_trusted_to_pick_an_account(store: Store) -> None:
    """Whoever registers someone's address first must not own the account that person signs into."""
    squatter = register(store, username="squatter", display_name="Not Maria", password=PASSWORD,
                        email="maria@example.com", now=NOW, allow_self_registration=True)
    assert not squatter.email_verified
    with pytest.raises(IdentityRefused) as refused:
        sign_in_with_identity(store, maria(), NOW, allow_sign_up=True)
    assert str(refused.value) == (
        "An account here uses maria@example.com, but that address has not been confirmed as its owner's, so your "
        "organisation's sign-in can't be linked to it. Ask your administrator to confirm the address.")
    assert counts(store) == (1, 0)


def test_an_administrator_confirms_an_address_and_then_it_links(store: Store, world: World) -> None:
    ana = register(store, username="ana2", display_name="Ana", password=PASSWORD, email="ana2@example.com",
                   now=NOW, allow_self_registration=True)
    with pytest.raises(AccessDenied):
        confirm_email(store, world.manager, ana.id)
    assert confirm_email(store, world.admin, ana.id).email_verified
    identity = Identity(issuer=IDP, subject="sub-ana", email="ana2@example.com", email_verified=True)
    assert sign_in_with_identity(store, identity, NOW, allow_sign_up=False).id == ana.id


def test_the_servers_shell_confirms_an_address_by_username(store: Store) -> None:
    register(store, username="bo", display_name="Bo", password=PASSWORD, email="bo@example.com", now=NOW,
             allow_self_registration=True)
    assert confirm_email_by_username(store, " BO ").email_verified
    create_user(store, username="noemail", display_name="No e-mail", password=PASSWORD, now=NOW)
    with pytest.raises(AccountError, match=r"^This account has no e-mail address to confirm\. Give it one first\.$"):
        confirm_email_by_username(store, "noemail")


def test_an_account_linked_to_one_identity_refuses_another_from_the_same_provider(store: Store) -> None:
    """A provider that reuses a leaver's address for someone new must not hand them the leaver's account."""
    create_user(store, username="maria", display_name="Maria", password=None, email="maria@example.com", now=NOW)
    sign_in_with_identity(store, maria(), NOW, allow_sign_up=False)
    with pytest.raises(IdentityRefused) as refused:
        sign_in_with_identity(store, maria(subject="someone-new"), NOW, allow_sign_up=True)
    assert str(refused.value) == (
        "The account for maria@example.com is already linked to a different sign-in from your organisation, so "
        "this one can't be linked to it too. Ask your administrator.")
    assert counts(store) == (1, 1)
