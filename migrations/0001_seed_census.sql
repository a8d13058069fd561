-- The two censuses the product launches with. Staff add newer ones in the console.
INSERT INTO censuses (counted_on, adults, adolescents, cubs, source, note, published_at, created_at)
VALUES
  ('2012-04-05', 30, 0, 0, 'Land of Leopard National Park founding estimate', 'About 30 leopards were thought to survive when the park was founded; no age breakdown was recorded.', 1334448000000, 1334448000000),
  ('2024-01-01', 84, 7, 12, 'WildCats Conservation Alliance camera-trap census', 'Over 100 for the first time in decades. Seeded at launch: staff should confirm the census date.', 1704067200000, 1704067200000);
