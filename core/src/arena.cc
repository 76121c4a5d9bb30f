#include "runnel/arena.h"

#include <algorithm>
#include <cstring>

namespace runnel {

char* Arena::Allocate(size_t n) {
  while (current_ < blocks_.size()) {
    Block& b = blocks_[current_];
    if (b.size - offset_ >= n) {
      char* p = b.data.get() + offset_;
      offset_ += n;
      used_total_ += n;
      return p;
    }
    ++current_;
    offset_ = 0;
  }
  Block block;
  block.size = std::max(block_size_, n);
  block.data = std::make_unique<char[]>(block.size);
  blocks_.push_back(std::move(block));
  current_ = blocks_.size() - 1;
  offset_ = n;
  used_total_ += n;
  return blocks_.back().data.get();
}

std::string_view Arena::Copy(std::string_view s) {
  if (s.empty()) {
    return {};
  }
  char* p = Allocate(s.size());
  std::memcpy(p, s.data(), s.size());
  return {p, s.size()};
}

void Arena::Reset() {
  // Keep the first block (and any standard-sized ones) for reuse; free oversized ones.
  std::erase_if(blocks_, [this](const Block& b) { return b.size > block_size_; });
  if (blocks_.size() > 4) {
    blocks_.resize(4);
  }
  current_ = 0;
  offset_ = 0;
  used_total_ = 0;
}

}  // namespace runnel
