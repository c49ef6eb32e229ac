from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by invitation only: there is no public sign-up."""

    def is_open_for_signup(self, request):
        return False
