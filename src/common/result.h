#pragma once

// Result<T> holds either a T or a non-OK Status: the return type of a
// function that produces a value or fails for an expected reason. It is shaped
// like C++23's std::expected (value(), error(), operator*, operator->) so that
// it can become an alias of it later.
//
// Thread-safety: a value type, like T.

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/status.h"

namespace auditlog {

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "use Status directly");

 public:
  // Implicit on purpose: `return value;` and `return status;` both read well.
  Result(const T& value) : data_(value) {}            // NOLINT
  Result(T&& value) : data_(std::move(value)) {}      // NOLINT
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    // A Result built from OK would hold neither a value nor an error.
    if (std::get<Status>(data_).ok())
      data_ = Status::Internal("result: constructed from OK status");
  }
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<std::decay_t<U>, Status> &&
                                                    !std::is_same_v<std::decay_t<U>, Result>>>
  Result(U&& value) : data_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(data_); }
  bool has_value() const { return ok(); }
  explicit operator bool() const { return ok(); }

  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(data_); }
  // REQUIRES: !ok().
  const Status& error() const { return std::get<Status>(data_); }

  // REQUIRES: ok(). Calling these on an error aborts: it is a bug, not an input problem.
  T& value() & {
    CheckOk();
    return std::get<T>(data_);
  }
  const T& value() const& {
    CheckOk();
    return std::get<T>(data_);
  }
  T&& value() && {
    CheckOk();
    return std::get<T>(std::move(data_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? std::get<T>(data_) : T(std::forward<U>(fallback));
  }

 private:
  void CheckOk() const {
    if (!ok()) std::abort();
  }
  std::variant<T, Status> data_;
};

}  // namespace auditlog

#define AL_CONCAT_INNER_(a, b) a##b
#define AL_CONCAT_(a, b) AL_CONCAT_INNER_(a, b)

// AL_ASSIGN_OR_RETURN(lhs, expr): evaluates `expr` (a Result<T>); on error
// returns its Status from the enclosing function, else moves the value to `lhs`
// (which may be a declaration such as `auto x`).
#define AL_ASSIGN_OR_RETURN(lhs, expr) \
  AL_ASSIGN_OR_RETURN_IMPL_(AL_CONCAT_(al_result_, __LINE__), lhs, expr)
#define AL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.error();              \
  lhs = std::move(tmp).value()
