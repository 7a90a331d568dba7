//! One mapping from use-case errors to HTTP statuses.

use axum::http::StatusCode;
use rinnova_app::AppError;

/// The status of an error.
pub fn status(e: &AppError) -> StatusCode {
    match e {
        AppError::Unauthenticated | AppError::LoginFailed | AppError::StaffLoginFailed => {
            StatusCode::UNAUTHORIZED
        }
        AppError::Otp(
            rinnova_domain::sms_otp::OtpError::TooManySends { .. }
            | rinnova_domain::sms_otp::OtpError::ResendTooSoon { .. },
        )
        | AppError::LoginLocked { .. }
        | AppError::RaoLocked { .. }
        | AppError::CouponLocked { .. }
        | AppError::AddressLocked { .. }
        | AppError::RecoveryThrottled { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::RecoveryLinkInvalid => StatusCode::BAD_REQUEST,
        AppError::WeakPassword(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Conflict
        | AppError::NotRenewable(_)
        | AppError::PaymentPending
        | AppError::RenewInstead => StatusCode::CONFLICT,
        AppError::CredentialBlocked => StatusCode::LOCKED,
        AppError::Invalid(_)
        | AppError::Otp(_)
        | AppError::Token(_)
        | AppError::WrongPin { .. }
        | AppError::Coupon(_)
        | AppError::Promo(_)
        | AppError::Statement(_)
        | AppError::RaoLoginFailed
        | AppError::Prepaid(_)
        | AppError::PrepaidLoginFailed
        | AppError::ContactShared { .. }
        | AppError::WrongPassword
        | AppError::CardRequest(_)
        | AppError::CardRemote
        | AppError::PrepaidRequired => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::CardNotOurs => StatusCode::NOT_FOUND,
        AppError::BadNotification | AppError::LinkInvalid => StatusCode::BAD_REQUEST,
        AppError::LinkOtherAccount => StatusCode::FORBIDDEN,
        AppError::Unavailable(_) => {
            log(e);
            StatusCode::SERVICE_UNAVAILABLE
        }
        AppError::Internal(_) => {
            log(e);
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// The `Retry-After` header of an error that ends with time (429 and 503 answers), as a
/// response part: `(status(e), retry_after(e), body)`.
pub fn retry_after(e: &AppError) -> Option<[(axum::http::HeaderName, String); 1]> {
    e.retry_after_seconds()
        .map(|s| [(axum::http::header::RETRY_AFTER, s.to_string())])
}

/// Logs an error that is the service's fault (500, 503) with its chain of causes, in the
/// request's span (its id): the answer shows the code only.
fn log(e: &AppError) {
    match e {
        AppError::Unavailable(_) => {
            tracing::warn!(error = %rinnova_app::error::chain(e), "database unavailable")
        }
        AppError::Internal(_) => {
            tracing::error!(error = %rinnova_app::error::chain(e), "internal error")
        }
        _ => {}
    }
}

/// Sets the status and `Retry-After` of an error on a response built already.
pub fn decorate(r: &mut axum::response::Response, e: &AppError) {
    *r.status_mut() = status(e);
    if let Some(s) = e.retry_after_seconds()
        && let Ok(v) = axum::http::HeaderValue::from_str(&s.to_string())
    {
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
}
