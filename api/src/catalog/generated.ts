import { en, Faker } from '@faker-js/faker';
import type { ProductInput } from '@shopsync/core';

interface ProductType {
  name: string;
  /** Price range in whole dollars. */
  price: [number, number];
  brands: string[];
  features: string[];
}

/** Departments and product types of the generated default catalog, shaped like a general store. */
const DEPARTMENTS: Record<string, ProductType[]> = {
  Electronics: [
    {
      name: 'Laptop',
      price: [399, 2899],
      brands: ['Lenovo', 'Dell', 'HP', 'Asus', 'Acer', 'Apple'],
      features: ['14-inch', '16 GB RAM', '512 GB SSD', 'backlit keyboard', 'all-day battery'],
    },
    {
      name: 'Headphones',
      price: [29, 449],
      brands: ['Sony', 'Bose', 'Sennheiser', 'JBL', 'Audio-Technica'],
      features: ['noise cancelling', 'wireless', 'over-ear', '30-hour battery', 'foldable'],
    },
    {
      name: 'Bluetooth Speaker',
      price: [25, 399],
      brands: ['JBL', 'Bose', 'Ultimate Ears', 'Anker', 'Sony'],
      features: ['waterproof', 'portable', '360-degree sound', 'party mode'],
    },
    {
      name: 'Smartphone',
      price: [149, 1399],
      brands: ['Samsung', 'Apple', 'Google', 'Motorola', 'OnePlus'],
      features: ['5G', '128 GB', 'triple camera', 'OLED display'],
    },
    {
      name: 'Monitor',
      price: [99, 1299],
      brands: ['Dell', 'LG', 'Samsung', 'BenQ', 'Asus'],
      features: ['27-inch', '4K', '144 Hz', 'USB-C', 'IPS panel'],
    },
    {
      name: 'USB-C Cable',
      price: [6, 39],
      brands: ['Anker', 'Belkin', 'UGREEN', 'Amazon Basics'],
      features: ['braided', '2 m', '100 W', 'fast charging'],
    },
  ],
  'Home & Kitchen': [
    {
      name: 'Coffee Maker',
      price: [29, 699],
      brands: ['Breville', "De'Longhi", 'Cuisinart', 'Nespresso', 'Keurig'],
      features: ['programmable', '12-cup', 'thermal carafe', 'milk frother'],
    },
    {
      name: 'Blender',
      price: [39, 549],
      brands: ['Vitamix', 'Ninja', 'KitchenAid', 'Oster'],
      features: ['1200 W', 'glass jar', 'pulse mode', 'dishwasher safe'],
    },
    {
      name: 'Cookware Set',
      price: [59, 899],
      brands: ['T-fal', 'All-Clad', 'Calphalon', 'Le Creuset'],
      features: ['non-stick', 'stainless steel', '10-piece', 'oven safe'],
    },
    {
      name: 'Vacuum Cleaner',
      price: [79, 899],
      brands: ['Dyson', 'Shark', 'iRobot', 'Bissell', 'Miele'],
      features: ['cordless', 'HEPA filter', 'pet hair', 'bagless'],
    },
    {
      name: 'Bed Sheet Set',
      price: [25, 249],
      brands: ['Brooklinen', 'Parachute', 'Mellanni', 'Boll & Branch'],
      features: ['queen', '400 thread count', 'organic cotton', 'deep pocket'],
    },
  ],
  'Sports & Outdoors': [
    {
      name: 'Running Shoes',
      price: [49, 249],
      brands: ['Nike', 'Adidas', 'Asics', 'Brooks', 'Hoka'],
      features: ['cushioned', 'breathable mesh', 'lightweight', 'trail'],
    },
    {
      name: 'Yoga Mat',
      price: [15, 129],
      brands: ['Manduka', 'Gaiam', 'Lululemon', 'Liforme'],
      features: ['non-slip', '6 mm', 'eco-friendly', 'carry strap'],
    },
    {
      name: 'Tent',
      price: [79, 799],
      brands: ['Coleman', 'REI Co-op', 'Big Agnes', 'MSR'],
      features: ['2-person', 'waterproof', 'freestanding', 'ultralight'],
    },
    {
      name: 'Water Bottle',
      price: [9, 59],
      brands: ['Hydro Flask', 'Nalgene', 'Yeti', 'CamelBak'],
      features: ['insulated', '32 oz', 'leak-proof', 'BPA-free'],
    },
  ],
  Books: [
    {
      name: 'Novel',
      price: [8, 35],
      brands: ['Penguin', 'HarperCollins', 'Vintage', 'Tor'],
      features: ['paperback', 'hardcover', 'bestseller', 'first edition'],
    },
    {
      name: 'Cookbook',
      price: [15, 60],
      brands: ['Ten Speed Press', 'Clarkson Potter', 'Phaidon'],
      features: ['hardcover', 'illustrated', '150 recipes'],
    },
  ],
  Toys: [
    {
      name: 'Building Set',
      price: [9, 399],
      brands: ['LEGO', 'Mega Bloks', "K'NEX"],
      features: ['ages 8+', '1,000 pieces', 'motorized', 'collector'],
    },
    {
      name: 'Board Game',
      price: [12, 89],
      brands: ['Hasbro', 'Ravensburger', 'Asmodee'],
      features: ['2-6 players', 'family', 'strategy', 'cooperative'],
    },
  ],
  Beauty: [
    {
      name: 'Moisturizer',
      price: [8, 120],
      brands: ['CeraVe', 'Neutrogena', 'La Roche-Posay', 'Clinique'],
      features: ['fragrance-free', 'SPF 30', 'hyaluronic acid', 'sensitive skin'],
    },
    {
      name: 'Hair Dryer',
      price: [25, 429],
      brands: ['Dyson', 'Revlon', 'Conair', 'BaBylissPRO'],
      features: ['ionic', '1875 W', 'diffuser', 'lightweight'],
    },
  ],
};

/** A deterministic generated catalog (same seed, same products), used when Icecat data is not imported. */
export function* generateCatalog(
  count: number,
  seed = 20_261_124,
): Generator<ProductInput & { category: string }> {
  const faker = new Faker({ locale: [en] });
  faker.seed(seed);
  const types = Object.entries(DEPARTMENTS).flatMap(([department, list]) =>
    list.map((t) => ({ ...t, department })),
  );
  const epoch = Date.UTC(2026, 0, 1);
  for (let i = 1; i <= count; i++) {
    const type = faker.helpers.arrayElement(types);
    const brand = faker.helpers.arrayElement(type.brands);
    const features = faker.helpers.arrayElements(type.features, { min: 1, max: 3 });
    const model = `${faker.string.alpha({ length: 2, casing: 'upper' })}${faker.number.int({ min: 10, max: 990 })}`;
    const adjective = faker.commerce.productAdjective();
    const title = `${brand} ${adjective} ${type.name} ${model}, ${features.join(', ')}`;
    const dollars = faker.number.int({ min: type.price[0], max: type.price[1] });
    const cents = faker.helpers.arrayElement([99, 95, 0, 49]);
    const color = faker.color.human();
    const material = faker.commerce.productMaterial();
    yield {
      id: `gen-${String(i).padStart(6, '0')}`,
      title,
      brand,
      category: `${type.department} > ${type.name}`,
      description: `${adjective} ${type.name.toLowerCase()} from ${brand}: ${features.join(', ')}. ${material} finish in ${color}. ${faker.helpers.arrayElement(['Ships in 24 hours.', 'Two-year warranty.', 'Free returns within 30 days.', 'Gift wrapping available.'])}`,
      price: dollars * 100 + (dollars > 1 ? cents : 0),
      stock: faker.helpers.weightedArrayElement([
        { weight: 1, value: 0 },
        { weight: 6, value: faker.number.int({ min: 1, max: 20 }) },
        { weight: 3, value: faker.number.int({ min: 21, max: 500 }) },
      ]),
      images: [],
      attributes: {
        model,
        colour: color,
        material,
        released: new Date(epoch - i * 3_600_000).toISOString().slice(0, 10),
      },
    };
  }
}
