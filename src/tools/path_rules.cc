#include "tools/path_rules.h"

#include <algorithm>

#include "tools/text.h"

namespace bastion::tools {
namespace {

constexpr std::size_t kBinarySniffBytes = 8 * 1024;

// Adds the other case of every ASCII letter in `set`.
void foldCase(std::bitset<256>& set) {
  for (unsigned v = 'a'; v <= 'z'; ++v) {
    const unsigned upper = v - 'a' + 'A';
    if (set.test(v) || set.test(upper)) {
      set.set(v);
      set.set(upper);
    }
  }
}

Error pathError(FilesError code, std::string_view path, std::string_view why) {
  return Error(code, quotedPath(path) + ": " + std::string(why));
}

}  // namespace

std::string quotedPath(std::string_view path) { return "'" + std::string(path) + "'"; }

Result<std::vector<std::string_view>> splitRelativePath(std::string_view path) {
  if (path.find('\0') != std::string_view::npos) {
    // The quoted form would carry the NUL on; the message names the problem instead.
    return Error(FilesError::NulByte, "path contains a NUL byte");
  }
  if (path.size() > kMaxPathBytes) {
    return Error(FilesError::PathTooLong,
                 "path is longer than " + std::to_string(kMaxPathBytes) + " bytes");
  }
  if (path.starts_with('/')) {
    // Not echoed: an absolute path may be a host path, which messages never carry.
    return Error(FilesError::AbsolutePath,
                 "absolute paths are not allowed; give a path relative to the root");
  }
  std::vector<std::string_view> components;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = std::min(path.find('/', start), path.size());
    std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      return pathError(FilesError::DotDot, path, "'..' is not allowed in paths");
    }
    if (components.empty() && part.starts_with('~')) {
      // Also after "./": shells expand only a leading '~', but a caller may not know that.
      return pathError(FilesError::TildePath, path,
                       "'~' is not expanded; give a path relative to the root");
    }
    if (!part.empty() && part != ".") {
      components.push_back(part);
    }
    start = end + 1;
  }
  return components;
}

std::string joinComponents(const std::vector<std::string_view>& components) {
  if (components.empty()) {
    return ".";
  }
  std::string out;
  for (std::string_view c : components) {
    if (!out.empty()) {
      out += '/';
    }
    out += c;
  }
  return out;
}

Result<Glob> Glob::compile(std::string_view pattern, bool fold_case) {
  std::vector<Token> tokens;
  auto invalid = [&](std::string_view why) {
    return Error(FilesError::InvalidGlob,
                 "invalid glob " + quotedPath(pattern) + ": " + std::string(why));
  };
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const auto c = static_cast<unsigned char>(pattern[i]);
    Token t;
    if (c == '/' || c == '\0') {
      return invalid("'/' and NUL cannot appear in a name");
    }
    if (c == '*') {
      if (!tokens.empty() && tokens.back().kind == Token::Kind::Star) {
        continue;  // "**" is "*": names hold no separator
      }
      t.kind = Token::Kind::Star;
    } else if (c == '?') {
      t.kind = Token::Kind::AnyByte;
    } else if (c == '\\') {
      if (++i == pattern.size()) {
        return invalid("ends with '\\'");
      }
      t.byte = static_cast<unsigned char>(pattern[i]);
    } else if (c == '[') {
      std::size_t j = i + 1;
      bool negate = j < pattern.size() && (pattern[j] == '!' || pattern[j] == '^');
      if (negate) {
        ++j;
      }
      bool first = true;
      while (j < pattern.size() && (first || pattern[j] != ']')) {
        auto lo = static_cast<unsigned char>(pattern[j]);
        unsigned char hi = lo;
        if (j + 2 < pattern.size() && pattern[j + 1] == '-' && pattern[j + 2] != ']') {
          hi = static_cast<unsigned char>(pattern[j + 2]);
          j += 2;
        }
        if (lo > hi || lo == '/' || hi == '/' || lo == '\0') {
          return invalid("bad range in '[...]'");
        }
        for (unsigned v = lo; v <= hi; ++v) {
          t.set.set(v);
        }
        first = false;
        ++j;
      }
      if (j == pattern.size()) {
        return invalid("'[' without ']'");
      }
      if (fold_case) {
        foldCase(t.set);  // before negation: "[!a]" must exclude both 'a' and 'A'
      }
      if (negate) {
        t.set.flip();
        t.set.reset('/');
      }
      t.kind = Token::Kind::Set;
      i = j;
    } else {
      t.byte = c;
    }
    if (fold_case && t.kind == Token::Kind::Byte) {
      t.kind = Token::Kind::Set;
      t.set.set(t.byte);
      foldCase(t.set);
    }
    tokens.push_back(t);
  }
  return Glob(std::string(pattern), std::move(tokens));
}

bool Glob::tokenMatches(const Token& token, unsigned char c) {
  switch (token.kind) {
    case Token::Kind::Byte:
      return token.byte == c;
    case Token::Kind::AnyByte:
      return true;
    case Token::Kind::Set:
      return token.set.test(c);
    case Token::Kind::Star:
      break;
  }
  return false;
}

// The classic two-cursor match: on a mismatch, retry from the most recent '*' with it
// consuming one more byte. Earlier stars never need revisiting, so the cost is bounded by
// name size times token count.
bool Glob::matches(std::string_view name) const {
  std::size_t t = 0;
  std::size_t n = 0;
  std::size_t star_t = tokens_.size();  // none yet
  std::size_t star_n = 0;
  while (n < name.size()) {
    const auto c = static_cast<unsigned char>(name[n]);
    if (t < tokens_.size() && tokens_[t].kind == Token::Kind::Star) {
      star_t = t++;
      star_n = n;
    } else if (t < tokens_.size() && tokenMatches(tokens_[t], c)) {
      ++t;
      ++n;
    } else if (star_t != tokens_.size()) {
      t = star_t + 1;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (t < tokens_.size() && tokens_[t].kind == Token::Kind::Star) {
    ++t;
  }
  return t == tokens_.size();
}

Result<DenyList> DenyList::create(const std::vector<std::string>& patterns) {
  std::vector<Glob> globs;
  for (std::string_view p : patterns) {
    std::string_view body = p;
    if (body.ends_with('/')) {
      body.remove_suffix(1);
    }
    if (body.empty()) {
      return Error(FilesError::InvalidGlob, "empty deny pattern");
    }
    if (body.find('/') != std::string_view::npos) {
      return Error(FilesError::InvalidGlob, "deny pattern " + quotedPath(p) +
                                                " has a '/' before its end; patterns match one "
                                                "path component (\"name\" or \"name/\")");
    }
    auto glob = Glob::compile(body, /*fold_case=*/true);
    if (!glob) {
      return glob.error();
    }
    globs.push_back(std::move(glob).value());
  }
  return DenyList(std::move(globs));
}

bool DenyList::denies(std::string_view component) const {
  return std::any_of(globs_.begin(), globs_.end(),
                     [component](const Glob& g) { return g.matches(component); });
}

bool DenyList::deniesAny(const std::vector<std::string_view>& components) const {
  return std::any_of(components.begin(), components.end(),
                     [this](std::string_view c) { return denies(c); });
}

bool looksBinary(std::string_view bytes) {
  std::string_view head = bytes.substr(0, kBinarySniffBytes);
  return head.find('\0') != std::string_view::npos || !isUtf8(bytes);
}

std::string_view utf8Prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) {
    return s;
  }
  std::size_t end = max_bytes;
  // Back up over continuation bytes (10xxxxxx) to the start of the cut sequence.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
    --end;
  }
  return s.substr(0, end);
}

}  // namespace bastion::tools
