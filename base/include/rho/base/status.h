// File: status.h
// RHO_RETURN_IF_ERROR and RHO_ASSIGN_OR_RETURN over absl::Status / absl::StatusOr.
// Debian 12's Abseil (20220623) predates absl's own status_macros.h, so we keep this pair.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RHO_RETURN_IF_ERROR(expr)                                                                  \
    do {                                                                                           \
        if (::absl::Status rho_status_ = (expr); !rho_status_.ok())                                \
            return rho_status_;                                                                    \
    } while (0)

#define RHO_CONCAT_INNER_(a, b) a##b
#define RHO_CONCAT_(a, b) RHO_CONCAT_INNER_(a, b)
#define RHO_ASSIGN_OR_RETURN(lhs, expr) RHO_ASSIGN_OR_RETURN_IMPL_(RHO_CONCAT_(rho_sor_, __LINE__), lhs, expr)
#define RHO_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)                                                 \
    auto tmp = (expr);                                                                             \
    if (!tmp.ok())                                                                                 \
        return std::move(tmp).status();                                                            \
    lhs = std::move(tmp).value()
