#pragma once
// Spelling suggestions for config errors: "did you mean 'paths'?".
// Pure functions; thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runnel::config {

// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), compared
// case-insensitively: EditDistance("pahts", "paths") == 1.
int EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a plausible typo (distance at most
// about a third of the word's length, at least 1); ties go to the earlier candidate.
// nullopt when nothing is close.
std::optional<std::string> Closest(std::string_view word,
                                   const std::vector<std::string>& candidates);

// The candidates ordered by distance to `word`, closest first; ties keep their order.
std::vector<std::string> SortByCloseness(std::string_view word,
                                         std::vector<std::string> candidates);

// "a, b, c"; each item wrapped in `quote` on both sides when given ("'a', 'b'").
std::string Join(const std::vector<std::string>& items, std::string_view quote = "");

}  // namespace runnel::config
