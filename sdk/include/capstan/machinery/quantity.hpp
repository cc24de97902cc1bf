#pragma once
// Kubernetes resource quantities (k8s.io/apimachinery pkg/api/resource.Quantity): "500m", "1.5",
// "64Mi", "1G", "2e3". Exact: the value is a decimal number of any size, never a float.
//
// Parsing follows upstream's grammar and scanner to the letter:
//   <quantity> ::= <sign>? <number> <suffix>      <number> ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//   <suffix>   ::= Ki | Mi | Gi | Ti | Pi | Ei                (BinarySI: powers of 2^10)
//                | n | u | m | "" | k | M | G | T | P | E    (DecimalSI: powers of 10^3)
//                | e<signed int> | E<signed int>             (DecimalExponent; |exponent| < 2^31)
// A parsed value is rounded up (away from zero) to a multiple of 10^-9, and a BinarySI value is
// capped at 2^63-1 in magnitude, as upstream does. Like upstream's scanner, a lone sign or "." reads
// as zero. A value whose canonical exponent would pass 2^31-1 ("19000E2147483647") is refused:
// upstream's int32 scale overflows there and writes a different number.
//
// The canonical form (to_string(), what the API server writes back) is upstream's
// Quantity.String(): the suffix kind of the input is kept; the number has no fractional digits and
// the largest suffix that loses nothing ("1.5" -> "1500m", "1.5Gi" -> "1536Mi", "1000M" -> "1G");
// a BinarySI value between -1024 and 1024, or one that is not a whole number, is written as
// DecimalSI; zero is "0". Where no suffix exists for the exponent (beyond E, below n, beyond Ei)
// the exponent form is written ("1e21", "10e69"), as current apimachinery does, so the string
// always reads back as the same value.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace capstan::machinery {

class Quantity {
 public:
  enum class Format : uint8_t { kDecimalExponent, kBinarySI, kDecimalSI };

  // Zero, DecimalSI.
  Quantity() = default;

  // nullopt when `text` is not a quantity; `error` (when given) gets upstream's message.
  static std::optional<Quantity> parse(std::string_view text, std::string* error = nullptr);
  // resource.NewQuantity, NewMilliQuantity (value / 1000) and NewScaledQuantity (value * 10^scale,
  // DecimalSI): for writing measured values, e.g. from_scaled(nanocores, -9) for CPU usage.
  static Quantity from_int64(int64_t value, Format format);
  static Quantity from_milli(int64_t milli, Format format);
  static Quantity from_scaled(int64_t value, int32_t scale);

  // The canonical string (see above).
  std::string to_string() const;

  // ceil(value / 10^scale), rounded away from zero; saturates at the int64 limits.
  // value(): bytes, pods; milli_value(): millicores.
  int64_t scaled_value(int32_t scale) const;
  int64_t value() const { return scaled_value(0); }
  int64_t milli_value() const { return scaled_value(-3); }

  int sign() const { return digits_.empty() ? 0 : negative_ ? -1 : 1; }
  bool is_zero() const { return digits_.empty(); }
  Format format() const { return format_; }

  // -1, 0, 1 as the values compare (formats do not matter: "1Ki" == "1024").
  int compare(const Quantity& other) const;
  bool operator==(const Quantity& other) const { return compare(other) == 0; }
  bool operator<(const Quantity& other) const { return compare(other) < 0; }

  // Exact sums, as Quantity.Add/Sub: a zero receiver takes the other's format. Throws
  // std::length_error when the exact result would need more than kMaxDigits digits (upstream has
  // no bound; a bound keeps "1e999999999" + "1" from allocating a billion digits).
  void add(const Quantity& other);
  void sub(const Quantity& other);
  void negate() { negative_ = !digits_.empty() && !negative_; }

  static constexpr size_t kMaxDigits = 4096;

 private:
  bool negative_ = false;
  std::string digits_;    // significant digits of the magnitude: no leading or trailing zeros; empty = 0
  int64_t exponent_ = 0;  // value = digits_ * 10^exponent_
  Format format_ = Format::kDecimalSI;

  void normalize();
  void add_signed(const Quantity& other, bool subtract);
};

// Shorthands for the common reads of a quantity string: nullopt when it is not one.
std::optional<int64_t> milli_value_of(std::string_view text);  // CPU in millicores
std::optional<int64_t> value_of(std::string_view text);        // bytes, counts

}  // namespace capstan::machinery
