#pragma once
// The durable layer of the embedded store: one SQLite database in WAL mode with
// synchronous=FULL, so a committed transaction survives power loss and kill -9. The store batches
// many API writes into one transaction (group commit) so one fsync serves them all.

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/value_transformer.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace capstan::store {

// SQLITE_FULL: the filesystem holding the database (or the size limit below) has no room left.
// The transaction was rolled back; nothing of it is stored.
struct StorageFull : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Mutation {
  std::string key;
  uint64_t revision;
  const std::string* bytes;  // nullptr = delete
};

class SqliteLog {
 public:
  explicit SqliteLog(const std::string& path);
  ~SqliteLog();
  SqliteLog(const SqliteLog&) = delete;
  SqliteLog& operator=(const SqliteLog&) = delete;

  // Calls fn(key, revision, bytes) for every stored object; returns the store revision.
  uint64_t load(const std::function<void(const std::string&, uint64_t, std::string&&)>& fn);
  // Applies the batch atomically and durably, recording `revision` as the store revision.
  // Throws StorageFull when there is no space, std::runtime_error on other failures.
  void commit(const std::vector<Mutation>& batch, uint64_t revision);
  // Caps the database at `pages` pages (PRAGMA max_page_count): to SQLite the same SQLITE_FULL as
  // a full disk, for tests of the store's behaviour without a full filesystem.
  void limit_pages(uint64_t pages);
  // Values pass through `t` to disk and back (encryption at rest); nullptr: as they are. Set
  // before load().
  void set_transformer(const ValueTransformer* t) { transformer_ = t; }

 private:
  void exec(const char* sql);
  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  sqlite3_stmt* erase_ = nullptr;
  sqlite3_stmt* set_revision_ = nullptr;
  const ValueTransformer* transformer_ = nullptr;
};

}  // namespace capstan::store
