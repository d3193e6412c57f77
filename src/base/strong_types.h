// Strong types for Kafka identifiers (offsets, epochs, partition and node ids) so they cannot be mixed.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace sluice {

// named_type<T, Tag>: a T that only converts explicitly. Thread-compatible value type.
template <class T, class Tag>
class named_type {
 public:
  using value_type = T;
  constexpr named_type() = default;
  constexpr explicit named_type(T v) : v_(v) {}
  constexpr T operator()() const { return v_; }
  constexpr T value() const { return v_; }
  constexpr auto operator<=>(const named_type&) const = default;
  constexpr named_type& operator++() {
    ++v_;
    return *this;
  }
  constexpr named_type operator+(T d) const { return named_type(v_ + d); }
  constexpr named_type operator-(T d) const { return named_type(v_ - d); }

 private:
  T v_{};
};

using offset_t = named_type<int64_t, struct offset_tag>;
using partition_id = named_type<int32_t, struct partition_id_tag>;
using node_id = named_type<int32_t, struct node_id_tag>;
using leader_epoch = named_type<int32_t, struct leader_epoch_tag>;
using producer_id = named_type<int64_t, struct producer_id_tag>;
using producer_epoch = named_type<int16_t, struct producer_epoch_tag>;

}  // namespace sluice

template <class T, class Tag>
struct std::hash<sluice::named_type<T, Tag>> {
  size_t operator()(const sluice::named_type<T, Tag>& v) const noexcept { return std::hash<T>{}(v()); }
};
