# ruff: noqa: E501  (allauth's messages, kept whole so that they match its msgids)
"""allauth's own texts that the portal says in Quebec French (« courriel », never « e-mail »).

The portal's catalogue (``locale/``) takes precedence over allauth's, so its translations of these
messages replace allauth's France-French ones. They are listed here, marked for translation
but not translated at import, so that ``makemessages`` keeps them in the catalogue; a new
allauth text shown on a page goes here too (``tests/accounts/test_allauth_pages.py``)."""

from django.utils.translation import gettext_noop

ALLAUTH_TEXTS = (
    gettext_noop('<strong>Note:</strong> you can still <a href="%(email_url)s">change your email address</a>.'),
    gettext_noop('A user is already registered with this email address.'),
    gettext_noop('Add Email'),
    gettext_noop('Add Email Address'),
    gettext_noop('Change Email'),
    gettext_noop('Confirm Email Address'),
    gettext_noop('Confirmation email sent to %(email)s.'),
    gettext_noop('Current email'),
    gettext_noop('Do you really want to remove the selected email address?'),
    gettext_noop('Email (again)'),
    gettext_noop('Email (optional)'),
    gettext_noop('Email Address'),
    gettext_noop('Email Addresses'),
    gettext_noop('Email Changed'),
    gettext_noop('Email Confirmation'),
    gettext_noop('Email Removed'),
    gettext_noop('Email Verification'),
    gettext_noop('Email address %(deleted_email)s has been removed from your account.'),
    gettext_noop('Email address confirmation'),
    gettext_noop('Email or phone'),
    gettext_noop("Forgotten your password? Enter your email address below, and we'll send you an email allowing you to reset it."),
    gettext_noop('Mark selected email addresses as verified'),
    gettext_noop('Password Reset Email'),
    gettext_noop('Please Confirm Your Email Address'),
    gettext_noop('Please confirm that <a href="mailto:%(email)s">%(email)s</a> is an email address for user %(user_display)s.'),
    gettext_noop('Primary email address set.'),
    gettext_noop('Removed email address %(email)s.'),
    gettext_noop('The email address and/or password you specified are not correct.'),
    gettext_noop('The email address is not assigned to any user account.'),
    gettext_noop('The following email addresses are associated with your account:'),
    gettext_noop('This email address is already associated with this account.'),
    gettext_noop('This email confirmation link expired or is invalid. Please <a href="%(email_url)s">issue a new email confirmation request</a>.'),
    gettext_noop('Unable to confirm %(email)s because it is already confirmed by a different account.'),
    gettext_noop('Use a different email address'),
    gettext_noop('Username or email'),
    gettext_noop('Username, email or phone'),
    gettext_noop('Verify Your Email Address'),
    gettext_noop('View your email address'),
    gettext_noop('We have sent you an email. If you have not received it please check your spam folder. Otherwise contact us if you do not receive it in a few minutes.'),
    gettext_noop('We have sent an email to you for verification. Follow the link provided to finalize the signup process. If you do not see the verification email in your main inbox, check your spam folder. Please contact us if you do not receive the verification email within a few minutes.'),
    gettext_noop('You cannot activate two-factor authentication until you have verified your email address.'),
    gettext_noop('You cannot add an email address to an account protected by two-factor authentication.'),
    gettext_noop('You cannot add more than %d email addresses.'),
    gettext_noop('You cannot remove your primary email address (%(email)s).'),
    gettext_noop('You cannot remove your primary email address.'),
    gettext_noop('You currently do not have any email address set up. You should really add an email address so you can receive notifications, reset your password, etc.'),
    gettext_noop('Your account has no verified email address.'),
    gettext_noop('Your email address is still pending verification.'),
    gettext_noop('Your email has been changed from %(from_email)s to %(to_email)s.'),
    gettext_noop('Your email has been confirmed.'),
    gettext_noop('Your primary email address must be verified.'),
    gettext_noop('email addresses'),
    gettext_noop('email confirmation'),
    gettext_noop('email confirmations'),
    # verified_email_required.html (its texts span lines, as allauth wrote them)
    gettext_noop("This part of the site requires us to verify that\nyou are who you claim to be. For this purpose, we require that you\nverify ownership of your email address. "),
    gettext_noop("We have sent an email to you for\nverification. Please click on the link inside that email. If you do not see the verification email in your main inbox, check your spam folder. Otherwise\ncontact us if you do not receive it within a few minutes."),
)
