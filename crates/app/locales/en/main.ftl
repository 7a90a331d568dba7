# rinnova — English texts
app-title = Signature certificate renewal
skip-to-content = Skip to content
lang-switch = Italiano
logout = Log out
error-summary-title = We could not go on
error-code = Error code
error-request-id = Request reference (quote it to support)
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
cert-status-expired = Expired
cert-status-blocked = Blocked (too many wrong PINs)
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
otp-send = Send me the code
otp-not-sent-sms = No valid code is waiting: press “Send me the code” to receive it by SMS at { $mobile }.
otp-resent = New code sent.
sign-submit = Sign the request

payment-title = Payment
payment-intro = The order is already set to the renewal of your certificate. Choose how to pay.
payment-product = Product
payment-net = Net amount
payment-vat = VAT { $rate }%
payment-total = Total
pay-shop-title = Pay online
pay-shop-intro = Pay by credit card or PayPal (confirmed at once) or by bank transfer (the renewal resumes when the transfer arrives, usually in 1-2 working days).
field-method = Payment method
method-card = Credit card
method-paypal = PayPal
method-bank_transfer = Bank transfer
field-promo = Promo code (optional)
pay-shop-submit = Go to payment
order-declined = The payment did not go through: the card was declined. Try again or choose another method.
order-cancelled = The payment was cancelled. Try again or choose another method.
order-open = Payment in progress at the payment provider: if you have paid, the confirmation arrives in a moment.
order-refund_due = This payment arrived after the renewal had been paid: it will be refunded.
transfer-title = Bank transfer awaited
transfer-intro = Make the transfer with these details. When the bank records it you receive an e-mail and, at your next login, you resume the renewal here.
transfer-beneficiary = Beneficiary
transfer-iban = IBAN
transfer-amount = Amount
transfer-reference = Payment reference (required)
payment-done = Paid: { $amount } ({ $method }).
sandbox-title = Test payment (sandbox)
sandbox-intro = This page simulates the payment provider: nothing is really charged.
sandbox-pay = Pay
sandbox-decline = Simulate a declined card
sandbox-decline-paypal = Simulate a refused PayPal payment
sandbox-cancel = Cancel and go back to the renewal
sandbox-expired = The payment session has expired or is not valid: go back to the renewal and try again.
email-transfer-subject = Bank transfer instructions for your renewal
email-transfer-body = Dear { $name },
    to pay for your renewal, transfer { $amount } to { $beneficiary }, IBAN { $iban }, with the reference { $reference }.
    We will write to you when the bank records the transfer: at your next login you will resume the renewal.
email-paid-subject = Renewal payment received
email-paid-body = Dear { $name },
    we have received your payment of { $amount } for the renewal of your certificate. Log in to complete the activation: { $link }
pay-rao-title = RAO operator
pay-rao-intro = If you are at a registration office (RAO) desk, the operator types their own credentials here and presses Verify: the renewal is approved and paid by the office.
field-rao-username = Operator's username
field-rao-password = Operator's password
pay-rao-submit = Verify
rao-verified = Renewal verified by operator { $by }.
rao-choice = You can complete the activation now at the desk, or interrupt: at the next login the holder resumes the renewal from here.
rao-finish-now = Complete now
rao-interrupt = Interrupt (log out)
demo-rao = RAO operator
pay-prepaid-title = Prepaid account
pay-prepaid-intro = If you have a prepaid account, enter its credentials: the amount is reserved now and debited only when the new certificate is issued.
field-prepaid-user = Prepaid account user-id
field-prepaid-password = Prepaid account password
pay-prepaid-submit = Pay with the prepaid account
demo-prepaid = Prepaid account
cdrl-title = Manager area (CDRL)
cdrl-login-title = Organisation manager login
cdrl-login-intro = Log in with your organisation's manager (CDRL) credentials to approve or reject renewal requests.
field-username = Username
cdrl-pending-title = Requests to approve
cdrl-pending-none = No request is waiting.
cdrl-col-holder = Holder
cdrl-col-data = Data
cdrl-col-certificate = Certificate
cdrl-col-decision = Decision
cdrl-requested-on = Requested on { $date }
cdrl-expires = Expires on { $date }
cdrl-approve = Approve
cdrl-reject = Reject
field-reason = Reason for rejecting
cdrl-approved-notice = Request approved: the holder has been told.
cdrl-rejected-notice = Request rejected: the holder has been told the reason.
demo-cdrl = CDRL manager (demo professional body, JZLF011)
email-approval-subject = A renewal request to approve
email-approval-body = Dear { $name },
    { $holder } asked to renew their signature certificate. Approve or reject the request: { $link }
email-approved-subject = Renewal approved by your organisation
email-approved-body = Dear { $name },
    { $organisation } approved the renewal of your certificate. Log in to activate it: { $link }
email-rejected-subject = Renewal not approved by your organisation
email-rejected-body = Dear { $name },
    { $organisation } did not approve the renewal of your certificate. Reason: { $reason }
contact-edit = Edit
contact-edit-intro = For your security enter your portal password; we will send a code by SMS to confirm (to the new number, if you change the mobile).
field-new-value = New value
contact-which = Which contact do you want to change?
field-portal-password = Portal password
contact-send-code = Send the confirmation code
contact-confirm-title = Confirm the change
contact-confirm-intro = Enter the code received by SMS to confirm the new value: { $value }
contact-confirm-submit = Confirm the change
sms-otp-contact = rinnova: { $code } is the code to confirm the change of your contact details. It expires in { $minutes } minutes. Do not share it.
email-contact-changed-subject = Your e-mail address was changed
email-contact-changed-body = Dear { $name },
    the e-mail address of your signature account was changed to { $email }. If it was not you, contact support at once.
desk-title = RAO desk
desk-login-title = RAO operator login
desk-login-intro = Log in with your registration operator credentials to find a holder and handle their certificates at the desk.
desk-search-label = Holder's user-id or tax code, or a certificate's serial number
desk-search-submit = Search
desk-none = No holder found.
desk-renewable-hint = Renewable: the holder logs in to the portal on this terminal and, at payment, you press Verify with your credentials; then the holder completes the activation with their own PIN and OTP. For a change of role data, use the new certificate below instead.
desk-new-title = New certificate (identified at the desk)
desk-new-intro = Renewal is not possible: check the holder's identity on a document, then the holder chooses the new certificate's PIN.
field-document-type = Document shown
doc-carta_identita = Identity card
doc-passaporto = Passport
doc-patente = Driving licence
field-document-number = Document number
field-new-role = New role data (only if changed)
desk-new-submit = Issue the new certificate
desk-issued = New certificate issued: serial number { $serial }, expiry { $date }.
demo-rao-desk = RAO desk
email-desk-subject = New signature certificate issued at the desk
email-desk-body = Dear { $name },
    { $office } issued you a new remote-signature certificate (serial number { $serial }). Use the PIN you chose at the desk.
pay-coupon-title = Coupon
pay-coupon-intro = If your organisation or the reseller of your certificate gave you a coupon, enter it here: it covers the whole amount.
field-coupon = Coupon code
pay-coupon-submit = Use the coupon
demo-coupons = Reseller's coupons (for JZLF009)
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
sms-otp-signing = rinnova: { $code } is the code to authorise signatures with your remote-signature certificate. It expires in { $minutes } minutes. Do not share it with anyone.
sms-otp-activate-1 = rinnova: { $code } is the code to start activating your new certificate. It expires in { $minutes } minutes. Never share it.
sms-otp-activate-2 = rinnova: { $code } is the code to confirm the activation of your new certificate. It expires in { $minutes } minutes. Never share it.
email-footer = An automatic message from rinnova: please do not reply to this address.
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
err-RNV-GEN-503 = The service is unavailable for a moment: try again in a few seconds. Nothing was lost, and every step already confirmed stays saved.
err-RNV-CSRF-001 = The form's session expired: reload the page and try again.
err-RNV-CSRF-002 = Request refused: it comes from another site.
err-RNV-REQ-400 = The request cannot be read: check the format of the data sent.
err-RNV-REQ-405 = This address does not accept this method.
err-RNV-REQ-413 = The request is too large.
err-RNV-REQ-415 = Send the data as JSON (Content-Type: application/json).
err-RNV-REQ-422 = The data sent is not of the expected shape: a field is missing or of the wrong type.
err-RNV-REQ-429 = Too many requests: try again shortly.
err-RNV-INP-001 = The user-id is not valid (letters followed by digits, e.g. JZLF001).
err-RNV-INP-002 = The tax code is not valid.
err-RNV-INP-003 = The e-mail address is not valid.
err-RNV-INP-004 = The mobile number is not valid.
err-RNV-INP-010 = Fill in every required field.
err-RNV-PIN-001 = The PIN must be at least 8 digits.
err-RNV-PIN-002 = The two PINs differ.
err-RNV-PIN-003 = Wrong PIN: the one-time code you used is no longer valid, ask for a new one (it does not count towards the limit of codes). PIN attempts left: { $remaining }.
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
err-RNV-OTP-006 = Wait { $seconds } seconds before asking for a new code.
err-RNV-OTP-007 = You have had the most codes allowed for this operation: you can ask for another in { $minutes } minutes. The renewal stays saved.
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
err-RNV-CPN-001 = The coupon code is not valid: check it and type it again (letters and digits, e.g. 7KQ2-M9XD-4T8R-J).
err-RNV-CPN-002 = This coupon does not exist: check the code.
err-RNV-CPN-003 = This coupon has already been used.
err-RNV-CPN-004 = This coupon has expired.
err-RNV-CPN-005 = This coupon is for another kind of certificate.
err-RNV-CPN-006 = This coupon was not issued for your certificate: it is valid only for certificates of the organisation or reseller that issued it.
err-RNV-PAY-010 = A payment for this renewal is already waiting for confirmation.
err-RNV-PAY-001 = This promo code does not exist.
err-RNV-PAY-002 = This promo code is not valid yet.
err-RNV-PAY-003 = This promo code has expired.
err-RNV-PAY-004 = This promo code has been used up.
err-RNV-PAY-005 = This promo code is not valid for this kind of certificate.
err-RNV-PAY-007 = A promo code with this name exists already: choose another.
err-RNV-PAY-006 = This promo code is not valid.
err-RNV-PAY-020 = The payment notification is not valid.
err-RNV-PAY-021 = The bank statement is not a readable CAMT.053 file.
err-RNV-RAO-001 = Wrong operator username or password.
err-RNV-RAO-002 = Too many wrong operator credentials from this renewal: try again in { $minutes } minutes.
err-RNV-CPN-010 = Too many wrong coupon codes: try again in { $minutes } minutes.
err-RNV-PRE-001 = Not enough credit on the prepaid account: { $available } available, { $needed } needed.
err-RNV-PRE-002 = Nothing is reserved for this renewal.
err-RNV-PRE-010 = Wrong prepaid account user-id or password.
err-RNV-AUTH-010 = Wrong username or password.
err-RNV-DATA-001 = This contact is already registered to another person: give another one.
err-RNV-DATA-003 = The portal password is not right: try again (after too many wrong tries access is locked for some minutes).
err-RNV-DATA-002 = Your e-mail address or mobile number is also registered to another person: change it to go on with the renewal.
err-RNV-DESK-001 = The certificate can be renewed: the holder renews it in the portal, no new certificate is needed.

email-reminder-subject = Your signature certificate expires in { $days } days
email-reminder-subject-last = Your signature certificate expires tomorrow: renew it today
email-reminder-body = Dear { $name },
    your certificate "{ $kind }" (serial number { $serial }) expires on { $date }.
    You can renew it online until { $last } included: the new certificate is valid for 3 years and your signatures go on without a break.

    To renew it, open this link and log in with your user-id and password:
    { $link }

    The link leads straight to this certificate's renewal and is valid until it expires. If you have renewed it already, please ignore this message.
email-closed-subject = Your signature certificate can no longer be renewed
email-closed-body = Dear { $name },
    your certificate "{ $kind }" (serial number { $serial }) expires or expired on { $date } and can no longer be renewed online.
    To go on signing you need a new certificate: ask your registration office (RAO) or the Certification Authority.

    Your page: { $home }
err-RNV-LINK-001 = This link is not valid or has expired. On your home page, choose "Renew" beside the certificate.
err-RNV-LINK-002 = This link was sent to another account: log out and log in with the user-id the e-mail was sent to.

login-recover = Can't log in?
recover-title = Can't log in?
recover-intro = You can recover your user-id or choose a new password. You will need your registered e-mail address and mobile: we send you a link by e-mail, then a code by SMS.
recover-password-title = I forgot my password
recover-user-id-title = I forgot my user-id
recover-field-email = Registered e-mail address
recover-field-cf = Codice fiscale (tax code)
recover-send-link = Send me the link
recover-sent = Request received. If the details match an account, we have sent a link valid for { $minutes } minutes to the registered e-mail address.
recover-sent-help = Open the link from the e-mail on this device or another. If it does not arrive within a few minutes, check your spam folder and the details you typed, then try again.
recover-back-login = Back to login
recover-code-intro = To go on, we send a code by SMS to your registered mobile ({ $mobile }).
recover-send-code = Send the code by SMS
recover-code-sent = We have sent a code by SMS to your registered mobile ({ $mobile }).
recover-field-new-password = New password
recover-field-new-password-again = New password again
password-policy = The password must be 10 to 128 characters long, with letters and digits; it must not contain your user-id, given name, surname or codice fiscale, and must be neither a common password nor the current one.
recover-set-password = Set the new password
recover-show-user-id = Show my user-id
recover-password-done = Password changed
recover-password-done-help = Every open session has been closed. Log in with your new password.
recover-user-id-done = Here is your user-id
sms-otp-recovery = rinnova: { $code } is your code to recover access to the signature service. It expires in { $minutes } minutes. Never share it: the Certification Authority will never ask for it.
email-recover-password-subject = Choosing a new password
email-recover-password-body = Dear { $name },
    we received a request for a new password for your signature service account.
    To choose it, open this link within { $minutes } minutes; we will also ask for a code sent by SMS to your mobile:
    { $link }

    If you did not ask for a new password, ignore this message: your current password stays valid.
email-recover-user-id-subject = Recovering your user-id
email-recover-user-id-body = Dear { $name },
    we received a request to recover your signature service user-id.
    To see it, open this link within { $minutes } minutes; we will also ask for a code sent by SMS to your mobile:
    { $link }

    If you did not ask for it, ignore this message.
email-password-changed-subject = Your signature service password was changed
email-password-changed-body = Dear { $name },
    the password of your signature service account has just been changed and every open session has been closed.
    If it was not you, contact the Certification Authority at once.
err-RNV-AUTH-004 = Too many failed logins from this connection: try again in { $minutes } minutes.
err-RNV-REC-001 = Too many recovery requests: try again in { $minutes } minutes.
err-RNV-REC-002 = This link is not valid, was already used or has expired. Please make the request again below.
err-RNV-PWD-001 = The new password is too short: at least 10 characters are needed.
err-RNV-PWD-002 = The new password is too long: at most 128 characters.
err-RNV-PWD-003 = The new password must contain both letters and digits.
err-RNV-PWD-004 = The new password must not contain your user-id, given name, surname or codice fiscale.
err-RNV-PWD-005 = The new password is too common or predictable: please choose another.
err-RNV-PWD-006 = The two passwords differ.
err-RNV-PWD-007 = The new password must differ from the current one.
recover-rao-help = If you no longer have the registered e-mail or mobile, ask your registration office operator (RAO): they update them after identifying you.

history-title = History
history-link = History of your operations
history-intro = The operations on your account and certificates, from the Certification Authority's audit trail (newest first).
history-empty = No operation recorded.
history-when = When
history-what = Operation
history-who = Who
history-from = From
audit-token_resynchronised = Token resynchronised
audit-token_resync_failed = Token resynchronisation failed
audit-cdrl_login = Organisation manager login
audit-rao_login = RAO operator login
audit-time_stamp_issued = Time-stamp issued
audit-evidence_restamped = Signed form time-stamped again
audit-signature_authorized = Signatures authorised (remote signing)
audit-hashes_signed = Documents signed (remote signing)
audit-signing_client_registered = Signing application registered
audit-login = Login
audit-login_failed = Failed login
audit-logout = Logout
audit-renewal_started = Renewal started
audit-data_confirmed = Data confirmed
audit-documents_accepted = Documents accepted
audit-otp_sent = OTP code sent
audit-otp_failed = Wrong OTP code
audit-pin_failed = Wrong PIN
audit-credential_blocked = Signature credential blocked
audit-key_moved_to_hsm = Signature key moved into the HSM
audit-ca_keys_moved_to_hsm = CA keys moved into the HSM
audit-subordinate_issued = Subordinate CA certificate issued by the root
audit-subordinate_revoked = Subordinate CA certificate revoked by the root
audit-root_crl_issued = Root CRL issued
audit-request_signed = Renewal request signed
audit-payment_settled = Payment recorded
audit-order_placed = Shop order
audit-approved = Approved by the organisation
audit-rejected = Rejected by the organisation
audit-activation_otp_verified = Activation confirmed with OTP
audit-certificate_issued = New certificate issued
audit-certificate_superseded = Previous certificate superseded
audit-certificate_revoked = Certificate revoked
audit-contact_change_requested = Change of contact data requested
audit-contact_changed = Contact data changed
audit-rao_verified = Verified by the RAO operator
audit-recovery_requested = Access recovery requested
audit-recovery_code_sent = Recovery code sent
audit-password_reset = Password changed
audit-user_id_recovered = User-id recovered
audit-desk_new_certificate = New certificate at the desk
audit-coupon_refused = Coupon refused
audit-prepaid_reserved = Amount reserved on the prepaid account
doc-signed-form = Download the signed renewal form (PDF with a PAdES signature)
desk-signed-forms = Signed renewal forms
desk-signed-form = Form signed on { $date } (PDF)
audit-evidence_retrieved = Signed form retrieved
email-reminder-card-body = Dear { $name },
    the certificate "{ $kind }" on your smart card (serial number { $serial }) expires on { $date }.
    You can renew it until { $last } included with the smart-card renewal program (rinnova card), with the card in its reader.

    If you have renewed it already, please ignore this message.
card-not-ours = A certificate this Certification Authority did not issue.
card-remote-certificate = A remote-signature certificate: it renews on the portal, not with the smart card.
err-RNV-CARD-001 = A remote-signature certificate: it renews on the portal, not with the smart card.
err-RNV-CARD-002 = The request sent by the card cannot be read. Try again; if it happens again, contact support.
err-RNV-CARD-003 = The key made on the card is not of an accepted type (an ECDSA P-256 key is needed).
err-RNV-CARD-004 = The request's signature by the new key is not valid.
err-RNV-CARD-005 = The request is not signed with the key of the certificate being renewed.
err-RNV-CARD-006 = The holder's data in the request do not match the certificate being renewed.
err-RNV-CARD-007 = A renewal needs a new key: the request uses the current certificate's one.
err-RNV-CARD-008 = A certificate this Certification Authority did not issue.
err-RNV-PRE-011 = This renewal is paid: enter the prepaid account's user-id and password.
card-paid = { $amount } from the { $purse } account
card-free = Free
card-paid-by-organisation = Paid by your organisation
card-purse-diritti = Diritti
card-purse-tariffa = Tariffa
audit-card_renewal_requested = Renewal requested by the smart card
audit-card_certificate_stored = New certificate stored on the smart card
audit-prepaid_debited = Amount debited from the prepaid account
audit-prepaid_released = Reserved amount returned to the prepaid account

# Why a renewal ended without a new certificate (SPEC W3, issue 18).
renewal-ended-title = Renewal stopped
renewal-ended-window = The renewal stopped: { $why }
renewal-ended-rejected = Your organisation rejected the renewal request. Reason: { $reason }
renewal-ended-other = The renewal stopped.
renewal-ended-refund = The amount you paid will be refunded.
renewal-ended-last = Last renewal: { $text }
credential-blocked-note = The signing credential is blocked after 5 wrong PINs: it can neither sign nor be renewed. Ask a registration office operator (RAO) to unblock it or for a new certificate.

# Bank transfers that arrive short add up (issue 18 item 9).
transfer-received = Received so far
transfer-missing = Still to pay (same reference)
email-transfer-short-subject = Transfer received, but the amount is not complete
email-transfer-short-body = Dear { $name },
    we received { $received } of the { $total } due for the renewal. To complete the payment send another transfer of { $missing } with the same reference: { $reference }.
    Transfers with the same reference add up.

# Issue 18 item 16: every audit action the history shows has a label.
audit-bank_entry_imported = Bank entry imported
audit-contact_change_refused = Change of contact data refused
audit-coupons_created = Coupons created
audit-credential_check_failed = Wrong credentials
audit-desk_search = Search at the desk
audit-order_amount_mismatch = Notified amount differs from the order
audit-order_cancelled = Order cancelled
audit-order_declined = Payment declined
audit-order_refund_due = Order to refund
audit-prepaid_account_created = Prepaid account created
audit-prepaid_refused = Prepaid account refused
audit-prepaid_top_up = Prepaid account topped up
audit-promo_refused = Promo code refused
audit-rao_created = RAO operator created
audit-recovery_request_unmatched = Recovery request without a match
audit-refund_due = Amount to refund
audit-reminder_link_other_account = Another holder's reminder link
audit-renewal_ended = Renewal stopped
payment-holder = Paid by the holder
audit-detail-with-certificate = with certificate { $value }
audit-detail-card-certificate = smart-card certificate { $value }
audit-detail-certificate = certificate { $value }
audit-detail-documents = documents { $value }
audit-detail-serial = serial { $value }
audit-detail-order = order { $value }
audit-detail-sessions-ended = sessions ended: { $value }
audit-detail-contact = contact { $value }
audit-detail-n-of-m = { $n } of { $of }
audit-detail-contact-taken = { $field } registered to another person
