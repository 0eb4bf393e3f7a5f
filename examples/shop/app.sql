-- The example application database: a small shop. `make example` builds examples/app.db from
-- this file; the example config exposes it only through named, parameterized statements.
PRAGMA foreign_keys = ON;

CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  city TEXT NOT NULL,
  created TEXT NOT NULL
);

CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  sku TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
  stock INTEGER NOT NULL CHECK (stock >= 0)
);

CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  status TEXT NOT NULL CHECK (status IN ('open', 'shipped', 'cancelled')),
  placed TEXT NOT NULL
);

-- Not exposed by any tool: the example's configuration never lists it, so even a statement
-- that tried to read it would be refused by the database's authorizer.
CREATE TABLE staff_credentials (
  id INTEGER PRIMARY KEY,
  login TEXT NOT NULL,
  password_hash TEXT NOT NULL
);

INSERT INTO customers (id, name, email, city, created) VALUES
  (1, 'Ada Lovelace', 'ada@example.com', 'London', '2026-01-12'),
  (2, 'Grace Hopper', 'grace@example.com', 'Arlington', '2026-02-03'),
  (3, 'Alan Turing', 'alan@example.com', 'Manchester', '2026-02-17'),
  (4, 'Katherine Johnson', 'katherine@example.com', 'Hampton', '2026-03-08'),
  (5, 'Edsger Dijkstra', 'edsger@example.com', 'Eindhoven', '2026-04-21'),
  (6, 'Barbara Liskov', 'barbara@example.com', 'Boston', '2026-05-30');

INSERT INTO products (id, sku, name, price_cents, stock) VALUES
  (1, 'KB-001', 'Mechanical keyboard', 12900, 42),
  (2, 'MS-002', 'Wireless mouse', 3900, 120),
  (3, 'MN-003', '27-inch monitor', 28900, 15),
  (4, 'HS-004', 'Noise-cancelling headset', 19900, 0),
  (5, 'DK-005', 'USB-C dock', 14900, 33);

INSERT INTO orders (id, customer_id, product_id, quantity, status, placed) VALUES
  (1, 1, 1, 1, 'shipped', '2026-03-01'),
  (2, 1, 2, 2, 'shipped', '2026-03-01'),
  (3, 2, 3, 1, 'open', '2026-10-14'),
  (4, 3, 5, 1, 'cancelled', '2026-09-02'),
  (5, 4, 4, 1, 'open', '2026-11-20'),
  (6, 5, 1, 3, 'shipped', '2026-06-11'),
  (7, 6, 2, 1, 'open', '2026-11-25');

INSERT INTO staff_credentials (id, login, password_hash) VALUES
  (1, 'admin', '$argon2id$v=19$m=65536,t=3,p=1$ZXhhbXBsZQ$notarealhashnotarealhash');
