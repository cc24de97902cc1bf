#include "store/sqlite_log.hpp"

#include <sqlite3.h>

#include <stdexcept>

namespace capstan::store {

namespace {
[[noreturn]] void fail(int rc, const std::string& message) {
  // SQLite reports ENOSPC on a write as SQLITE_FULL (so does max_page_count).
  if ((rc & 0xff) == SQLITE_FULL) throw StorageFull(message);
  throw std::runtime_error(message);
}
void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) fail(rc, std::string("sqlite: ") + what + ": " + sqlite3_errmsg(db));
}
}  // namespace

SqliteLog::SqliteLog(const std::string& path) {
  check(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr),
        db_, "open");
  exec("PRAGMA journal_mode=WAL");
  // FULL: fsync the WAL on every commit; an acknowledged write survives kill -9 and power loss.
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA wal_autocheckpoint=4000");
  exec("CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, revision INTEGER NOT NULL, value BLOB NOT NULL) WITHOUT ROWID");
  exec("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  check(sqlite3_prepare_v2(db_, "INSERT INTO objects(key, revision, value) VALUES(?,?,?) "
                                "ON CONFLICT(key) DO UPDATE SET revision=excluded.revision, value=excluded.value",
                           -1, &upsert_, nullptr), db_, "prepare upsert");
  check(sqlite3_prepare_v2(db_, "DELETE FROM objects WHERE key=?", -1, &erase_, nullptr), db_, "prepare delete");
  check(sqlite3_prepare_v2(db_, "INSERT INTO meta(name, value) VALUES('revision', ?) "
                                "ON CONFLICT(name) DO UPDATE SET value=excluded.value",
                           -1, &set_revision_, nullptr), db_, "prepare revision");
}

SqliteLog::~SqliteLog() {
  sqlite3_finalize(upsert_);
  sqlite3_finalize(erase_);
  sqlite3_finalize(set_revision_);
  sqlite3_close(db_);
}

void SqliteLog::exec(const char* sql) {
  char* err = nullptr;
  if (int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err); rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    fail(rc, std::string("sqlite: ") + sql + ": " + msg);
  }
}

uint64_t SqliteLog::load(const std::function<void(const std::string&, uint64_t, std::string&&)>& fn) {
  sqlite3_stmt* st = nullptr;
  check(sqlite3_prepare_v2(db_, "SELECT key, revision, value FROM objects", -1, &st, nullptr), db_, "prepare load");
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    std::string key(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), sqlite3_column_bytes(st, 0));
    auto rev = static_cast<uint64_t>(sqlite3_column_int64(st, 1));
    std::string value(static_cast<const char*>(sqlite3_column_blob(st, 2)), sqlite3_column_bytes(st, 2));
    if (transformer_) {
      try {
        value = transformer_->open(key, std::move(value));
      } catch (const std::exception& e) {
        sqlite3_finalize(st);
        throw std::runtime_error("cannot read " + key + " from the store: " + e.what());
      }
    }
    fn(key, rev, std::move(value));
  }
  sqlite3_finalize(st);
  check(rc, db_, "load");
  uint64_t revision = 0;
  check(sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE name='revision'", -1, &st, nullptr), db_, "prepare rev");
  if (sqlite3_step(st) == SQLITE_ROW) revision = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  return revision;
}

void SqliteLog::commit(const std::vector<Mutation>& batch, uint64_t revision) {
  exec("BEGIN IMMEDIATE");
  try {
    std::string sealed;
    for (const auto& m : batch) {
      if (m.bytes) {
        const std::string* value = m.bytes;
        if (transformer_) {
          sealed = transformer_->seal(m.key, *m.bytes);
          value = &sealed;
        }
        sqlite3_reset(upsert_);
        sqlite3_bind_text(upsert_, 1, m.key.data(), static_cast<int>(m.key.size()), SQLITE_STATIC);
        sqlite3_bind_int64(upsert_, 2, static_cast<sqlite3_int64>(m.revision));
        // SQLITE_TRANSIENT: `sealed` is reused by the next mutation.
        sqlite3_bind_blob(upsert_, 3, value->data(), static_cast<int>(value->size()), SQLITE_TRANSIENT);
        check(sqlite3_step(upsert_), db_, "upsert");
      } else {
        sqlite3_reset(erase_);
        sqlite3_bind_text(erase_, 1, m.key.data(), static_cast<int>(m.key.size()), SQLITE_STATIC);
        check(sqlite3_step(erase_), db_, "delete");
      }
    }
    sqlite3_reset(set_revision_);
    sqlite3_bind_int64(set_revision_, 1, static_cast<sqlite3_int64>(revision));
    check(sqlite3_step(set_revision_), db_, "set revision");
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void SqliteLog::limit_pages(uint64_t pages) {
  exec(("PRAGMA max_page_count=" + std::to_string(pages)).c_str());
}

}  // namespace capstan::store
