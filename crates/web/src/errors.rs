//! One mapping from use-case errors to HTTP statuses.

use axum::http::StatusCode;
use rinnova_app::AppError;

/// The status of an error.
pub fn status(e: &AppError) -> StatusCode {
    match e {
        AppError::Unauthenticated | AppError::LoginFailed | AppError::StaffLoginFailed => {
            StatusCode::UNAUTHORIZED
        }
        AppError::LoginLocked { .. }
        | AppError::RaoLocked { .. }
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
        | AppError::CardRequest(_)
        | AppError::CardRemote
        | AppError::PrepaidRequired => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::CardNotOurs => StatusCode::NOT_FOUND,
        AppError::BadNotification | AppError::LinkInvalid => StatusCode::BAD_REQUEST,
        AppError::LinkOtherAccount => StatusCode::FORBIDDEN,
        AppError::Internal(detail) => {
            tracing::error!(%detail, "internal error");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}
