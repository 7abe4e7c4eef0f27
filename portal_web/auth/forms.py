"""The forms of logging in, asking for access and choosing a password (Flask-WTF: each
carries a CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from ivr.phones import to_e164
from ticketing.accounts.credentials import MAX_PASSWORD_LENGTH, normalize_email, password_problem
from ticketing.errors import DomainError


def _email_address(_form: FlaskForm, field: Any) -> None:
    try:
        normalize_email(field.data)
    except DomainError:
        raise ValidationError("Enter an email address like name@example.com.") from None


def _phone_number(_form: FlaskForm, field: Any) -> None:
    if field.data and to_e164(field.data) is None:
        raise ValidationError("Enter a phone number like (336) 555-0123, or leave it empty.")


def _email_field() -> EmailField:
    return EmailField(
        "Email",
        validators=[DataRequired("Enter your email address."), Length(max=254), _email_address],
    )


class RequestAccessForm(FlaskForm):
    """The public "Request access" form."""

    name = StringField("Your name", validators=[DataRequired("Enter your name."), Length(max=200)])
    company = StringField(
        "Company", validators=[DataRequired("Enter your company's name."), Length(max=200)]
    )
    email = _email_field()
    phone = TelField("Phone (optional)", validators=[Optional(), Length(max=40), _phone_number])
    message = TextAreaField("Message (optional)", validators=[Optional(), Length(max=2000)])


class LoginForm(FlaskForm):
    """Email and password; "remember me" keeps the login after the browser closes."""

    email = EmailField(
        "Email", validators=[DataRequired("Enter your email address."), Length(max=254)]
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=MAX_PASSWORD_LENGTH)],
    )
    remember = BooleanField("Keep me logged in on this device", default=False)


class ForgotPasswordForm(FlaskForm):
    """Ask for a reset link."""

    email = _email_field()


class SetPasswordForm(FlaskForm):
    """Choose a password (twice); the rules need the account's email, given at creation."""

    password = PasswordField("New password", validators=[DataRequired("Choose a password.")])
    confirm = PasswordField(
        "New password again",
        validators=[
            DataRequired("Type the password again."),
            EqualTo("password", "The two passwords differ."),
        ],
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account_email = email

    def validate_password(self, field: Any) -> None:
        """Password rules: length, not one repeated character, not the email."""
        problem = password_problem(field.data or "", self.account_email)
        if problem:
            raise ValidationError(problem)


class MsaEnquiryForm(FlaskForm):
    """The public contact form: information about a Master Services Agreement."""

    name = StringField("Your name", validators=[DataRequired("Enter your name."), Length(max=200)])
    company = StringField(
        "Company", validators=[DataRequired("Enter your company's name."), Length(max=200)]
    )
    email = _email_field()
    phone = TelField("Phone (optional)", validators=[Optional(), Length(max=40), _phone_number])
    message = TextAreaField(
        "What would you like to know?", validators=[Optional(), Length(max=2000)]
    )
