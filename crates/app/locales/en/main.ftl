# rinnova — English texts
app-title = Signature certificate renewal
skip-to-content = Skip to content
lang-switch = Italiano
logout = Log out
error-summary-title = We could not go on
error-code = Error code
back-home = Back to the home page
demo-banner = Demonstration environment: no message is really sent.
demo-outbox-link = Messages sent (SMS and e-mail)

login-title = Log in
login-intro = Enter the user-id and password of the signature service. The password is not your signature PIN.
field-user-id = User-id
field-password = Password
login-submit = Log in
login-help = Can't log in? Ask your registration office operator (RAO).
demo-credentials-title = Demonstration holders
demo-col-situation = Situation

home-title = Your certificates
home-greeting = Welcome, { $name }
no-certificates = No certificate is registered in your name.
cert-kind-remote_signature = Remote signature
cert-kind-card_signature = Smart-card signature
cert-kind-cns = CNS (authentication)
cert-serial = Serial number
cert-expiry = Expires
cert-valid-from = Valid from
cert-status = Status
cert-status-active = Active
cert-status-superseded = Replaced by its renewal
cert-status-revoked = Revoked
cert-status-suspended = Suspended
window-open = Renewal open: { $days } days left to renew.
window-last-day = Today is the last day to renew.
renew-button = Renew
resume-button = Resume the renewal
need-new-cert = To keep signing you need a new certificate: ask a registration office operator (RAO).
payroll-note = Your organisation pays the new certificate through payroll.
renewed-note = Renewed: the new certificate is valid until { $date }.

stepper-label = Renewal steps
step-check_data = Data
step-documents = Documents
step-sign = Sign
step-payment = Payment
step-approval = Approval
step-activate = Activation
step-completed = Done
step-cancelled = Cancelled
step-done-marker = done
step-current-marker = current step
renewal-title = Renewal of certificate { $serial }

data-title = Check your data
data-intro = Check the data that will be written in the renewal form.
field-given-name = Given name
field-surname = Surname
field-iut = IUT
field-cf = Tax code (codice fiscale)
field-email = E-mail
field-mobile = Mobile
field-residence = Residence
field-role = Role
field-organisation = Organisation
role-readonly-note = Role data cannot be changed at renewal: changing it needs a new certificate.
data-confirm-button = I confirm my data, continue

docs-title = Documents
docs-intro = Read the renewal form filled in with your data and the general conditions of service.
doc-form = Renewal form (PDF)
doc-conditions = General conditions of service (PDF)
consent-terms = I accept the general conditions of service
consent-data = I confirm my data
docs-continue = Continue

sign-title = Sign the renewal request
sign-intro = Sign the renewal form with the credentials of your current certificate: PIN and OTP code.
field-pin = Signature PIN
field-otp = OTP code
otp-sent-sms = We sent a code by SMS to { $mobile }.
otp-token = Enter the code your token shows.
otp-resend = Send a new code
otp-resent = New code sent.
sign-submit = Sign the request

approval-title = Waiting for approval
approval-wait = The request was forwarded to your organisation, which must approve it. You will receive an e-mail with the outcome.

activate-title = Activate the new certificate
activate-intro-1 = Enter the OTP code to start the activation.
activate-otp1-submit = Check the code
activate-intro-2 = Choose the PIN of the new certificate (the same as before or a new one) and confirm with a second OTP code.
field-new-pin = PIN (at least 8 digits)
field-new-pin-confirm = Repeat the PIN
pin-hint = Digits only, at least 8. The PIN cannot be recovered: keep it safe.
activate-submit = Activate the certificate

done-title = Renewal completed
done-text = The new certificate is active and valid until { $date }.
done-serial = Serial number of the new certificate

outbox-title = Messages sent
outbox-intro = Demonstration environment: the SMS and e-mails holders would receive appear here.
outbox-channel = Channel
outbox-to = To
outbox-when = When
outbox-text = Text
outbox-empty = No messages.

sms-otp-sign = rinnova: { $code } is the code to sign your renewal request. It expires in { $minutes } minutes. Never share it.
sms-otp-activate-1 = rinnova: { $code } is the code to start activating your new certificate. It expires in { $minutes } minutes. Never share it.
sms-otp-activate-2 = rinnova: { $code } is the code to confirm the activation of your new certificate. It expires in { $minutes } minutes. Never share it.
email-renewed-subject = Renewal completed: your new signature certificate
email-renewed-body = Dear { $name },
    your renewal is complete. The new certificate (serial number { $serial }) is valid until { $date }.
    The previous certificate has been superseded.
    If you did not ask for this renewal, contact the Provider at once.

err-RNV-AUTH-001 = Log in to continue.
err-RNV-AUTH-002 = Wrong user-id or password.
err-RNV-AUTH-003 = Too many login attempts for this user-id: try again in { $minutes } minutes.
err-RNV-GEN-404 = Page or item not found.
err-RNV-GEN-409 = The request changed meanwhile: reload the page.
err-RNV-GEN-500 = An internal error occurred. Try again later; nothing was lost.
err-RNV-CSRF-001 = The form's session expired: reload the page and try again.
err-RNV-INP-001 = The user-id is not valid (letters followed by digits, e.g. JZLF001).
err-RNV-INP-002 = The tax code is not valid.
err-RNV-INP-003 = The e-mail address is not valid.
err-RNV-INP-004 = The mobile number is not valid.
err-RNV-INP-010 = Fill in every required field.
err-RNV-PIN-001 = The PIN must be at least 8 digits.
err-RNV-PIN-002 = The two PINs differ.
err-RNV-PIN-003 = Wrong PIN. Attempts left: { $remaining }.
err-RNV-PIN-004 = The signature credential is blocked after too many wrong PINs: ask a registration office operator (RAO).
err-RNV-WIN-001 = Renewal is not open yet: it opens on { $date }.
err-RNV-WIN-002 = The renewal period ended at midnight at the start of the expiry date: a new certificate is needed.
err-RNV-WIN-003 = The certificate has expired: a new certificate is needed.
err-RNV-WIN-004 = The certificate is revoked: a new certificate is needed.
err-RNV-WIN-005 = The certificate is suspended: it cannot be renewed.
err-RNV-WIN-006 = The certificate has already been renewed.
err-RNV-WIN-007 = The device holding the certificate has expired: a new certificate is needed.
err-RNV-WIN-008 = The device was already renewed once: a new certificate is needed.
err-RNV-WF-001 = This action is not possible at this step of the renewal.
err-RNV-WF-002 = The documents changed: read them again and confirm.
err-RNV-WF-003 = To continue, accept the general conditions and confirm your data.
err-RNV-OTP-001 = Wrong OTP code. Attempts left: { $remaining }.
err-RNV-OTP-002 = The OTP code has expired: ask for a new one.
err-RNV-OTP-003 = Too many wrong codes: ask for a new code.
err-RNV-OTP-004 = The OTP code was already used: ask for a new one.
err-RNV-OTP-005 = No code was sent for this operation: ask for one.
err-RNV-OTP-006 = Wait a few seconds before asking for a new code.
err-RNV-OTP-007 = Too many codes sent: try again later.
err-RNV-OTP-011 = Wrong token code.
err-RNV-OTP-012 = This token code was already used: wait for the next one.
err-RNV-OTP-013 = The code must be the digits your token shows.
payment-free = Free of charge
payment-organisation = Paid by your organisation
token-resync-title = Is your token's code refused?
token-resync-intro = If the token's clock drifted, resynchronise it: enter two consecutive codes the token shows.
token-resync-first = First code
token-resync-second = Next code
token-resync-submit = Resynchronise the token
token-resynced = Token resynchronised: you can use its next code now.
