/**
 * The units of Icecat's numeric specifications. The catalog files (Chorus's export of Icecat)
 * keep a feature's value without its measure ("attr_n_processor_frequency": 2.13), so a shopper
 * read "Processor frequency 2.13". These are Icecat's measures of the features, checked against
 * the catalog's titles, which state the same values with units ("… 2.13 GHz …", "43.2 cm (17\")").
 * A feature missing here, or whose unit differs between kinds of product and cannot be told from
 * the value, keeps its bare value: better no unit than a wrong one.
 */

/** Icecat feature (its `attr_*_` key without the prefix) to unit. A Map: a record's keys are
 * untrusted, and "constructor" or "toString" is no feature of an object's prototype here. */
const UNITS = new Map<string, string>();
function units(unit: string, features: string): void {
  for (const feature of features.trim().split(/\s+/)) UNITS.set(feature, unit);
}
units(
  'mm',
  `width height depth package_width package_height package_depth package_length
   width__with_stand_ depth__with_stand_ height__with_stand_
   master__outer__case_width master__outer__case_length master__outer__case_height
   pallet_width pallet_height pallet_length pallet_width__uk_ pallet_height__uk_ pallet_length__uk_
   label_width label_height sheet_width sheet_length outer_diameter
   print_margin_bottom__a4_ print_margin_top__a4_ print_margin_left__a4_ print_margin_right__a4_`,
);
units(
  'g',
  `weight package_weight keyboard_weight pallet_weight master__outer__case_weight
   master__outer__case_gross_weight master__outer__case_net_weight`,
);
units(
  'kg',
  `gross_weight_of_outer_carton net_weight_of_outer_carton tare_weight_outer_carton
   gross_weight_inner_carton net_weight_inner_carton packaging_tare_weight packaging_net_weight`,
);
units('lbs', 'weight__imperial_ package_weight__imperial_ pallet_weight__imperial_');
units('m', 'operating_altitude non_operating_altitude roll_length tape_length');
units(
  '°C',
  `operating_temperature__t_t_ storage_temperature__t_t_ recommended_operating_temperature_range__t_t_
   maximum_operating_temperature tcase tjunction`,
);
units(
  '%',
  `operating_relative_humidity__h_h_ storage_relative_humidity__h_h_
   non_operating_relative_humidity__non_condensing_`,
);
units('GHz', 'processor_frequency processor_boost_frequency l2_cache_speed');
units('MHz', 'processor_front_side_bus memory_clock_speed');
units(
  'Hz',
  'maximum_refresh_rate ac_input_frequency ac_adapter_frequency headphone_frequency frequency_range',
);
units(
  'W',
  `thermal_design_power__tdp_ power_consumption__typical_ power_consumption__standby_
   power_consumption__off_ power_consumption__powersave_ power_consumption__max_
   power_consumption__printing_ ac_adapter_power bulb_power rms_rated_power speaker_power output_power`,
);
units('VA', 'output_power_capacity');
units('J', 'surge_energy_rating');
units(
  'V',
  `battery_voltage ac_input_voltage ac_adapter_input_voltage nominal_input_voltage nominal_output_voltage input_voltage
   output_voltage memory_voltage processor_core_voltage processor_core_voltage__ac_ vid_voltage_range`,
);
units('A', 'input_current maximum_current');
units('mAh', 'battery_capacity');
units('Wh', 'battery_capacity__watt_hours_');
units('h', 'battery_life__max_ battery_recharge_time mean_time_between_failures__mtbf_');
units('min', 'typical_backup_time_at_half_load typical_backup_time_at_full_load');
units('s', 'time_to_first_page__black__normal_');
units('nm', 'processor_lithography');
units('mm²', 'processing_die_size');
units('M', 'number_of_processing_die_transistors');
units('MB', 'cache_memory');
units(
  'GB',
  `total_storage_capacity hdd_capacity ssd_capacity total_ssds_capacity internal_storage_capacity
   discrete_graphics_adapter_memory maximum_internal_memory_supported_by_processor`,
);
units('RPM', 'hdd_speed');
units('"', 'hdd_size');
units('cd/m²', 'display_brightness display_brightness__typical_');
units('ms', 'response_time');
units('°', 'viewing_angle__horizontal viewing_angle__vertical');
units('dB', 'noise_level acoustic_pressure_emissions sound_pressure_level__printing_ headphone_sensitivity');
units('Ω', 'impedance');
units(
  'ppm',
  `print_speed__black__normal_quality__a4_us_letter_ print_speed__colour__normal_quality__a4_us_letter_
   print_speed__black__draft_quality__a4_us_letter_ print_speed__black__best_quality__a4_`,
);
units('pages', 'black_toner_page_yield colour_toner_page_yield page_yield');
units('pages per month', 'maximum_duty_cycle');
units('g/m²', 'media_weight print_media_weight');
units('ml', 'colour_ink_volume');

/** Diagonals in inches, which Icecat presents in centimetres with the inches after ("43.2 cm (17\")"). */
const DIAGONALS = new Set([
  'display_diagonal',
  'maximum_screen_size_compatibility',
  'minimum_screen_size_compatibility',
]);

/**
 * Features whose unit depends on the kind of product: a notebook's internal memory is in GB (4),
 * a memory module's or printer's in MB (16384, 384); a processor's cache in MB (3, 8) or, for
 * older ones, in KB (512, 6144). Below `small` the first unit, from `large` on the second;
 * between them it cannot be told (a 128 GB memory kit, a printer's 128 MB), and no unit is shown.
 */
const MEMORY = { small: 128, smallUnit: 'GB', large: 1024, largeUnit: 'MB' };
const BY_SIZE = new Map([
  ['internal_memory', MEMORY],
  ['maximum_internal_memory', MEMORY],
  ['maximum_internal_memory__64_bit_', MEMORY],
  ['processor_cache', { small: 64, smallUnit: 'MB', large: 128, largeUnit: 'KB' }],
]);

/**
 * A cable's length is in metres for most products (a 2 m HDMI cable, a 305 m drum of Cat6) but in
 * millimetres for some (a 6in power adapter's 152.4, a laptop lock's 1800, a PDU's 3050, a fan's
 * 580). Below LONG_CABLE the unit is metres. From it on, the value is shown with a unit only when
 * the title states the same length: in metres or feet ("305m", "1000 ft.") it is metres, in
 * inches ("6in") millimetres; else it keeps its bare value.
 */
const LONG_CABLE = 100;
/** A length in a title: "305m", "304.8 m", "1000-ft.", "6in", "10 feet". */
const TITLE_LENGTH = /(\d+(?:\.\d+)?)\s*-?\s*(m|meters?|metres?|ft|feet|foot|in|inch(?:es)?)(?![a-z])/gi;

function cableLength(value: string, title: string): string {
  const n = Number(value);
  if (n < LONG_CABLE) return withUnit(value, 'm');
  for (const [, amount, unit] of title.matchAll(TITLE_LENGTH)) {
    const said = Number(amount);
    const u = unit!.toLowerCase();
    const metres = u.startsWith('m') ? said : u.startsWith('f') ? said * 0.3048 : undefined;
    if (metres !== undefined && Math.abs(metres - n) <= 0.5) return withUnit(value, 'm');
    if (metres === undefined && Math.abs(said * 25.4 - n) <= 0.5) return withUnit(value, 'mm');
  }
  return value;
}

/** A number, or a range of two ("0 - 35", "100-240"): what a unit can follow. */
const NUMBER = /^-?\d+(?:\.\d+)?$/;
const RANGE = /^(-?\d+(?:\.\d+)?)\s*-\s*(-?\d+(?:\.\d+)?)$/;

/** `value` with `unit` as Icecat writes it: "2.13 GHz", "10 - 90%", "3.5\"". */
function withUnit(value: string, unit: string): string {
  const range = RANGE.exec(value);
  const text = range ? `${range[1]} - ${range[2]}` : value;
  return unit === '"' || unit === '%' || unit === '°' ? `${text}${unit}` : `${text} ${unit}`;
}

/**
 * A specification's value as Icecat presents it, with its unit: `feature` is the record's key
 * without `attr_n_`/`attr_t_`. A value that is no number (or already says its unit, "3.5 mm")
 * is returned as it is. `title`, the product's, tells a long cable's unit (cableLength).
 */
export function presentedValue(feature: string, value: string, title = ''): string {
  const v = value.trim();
  if (feature === 'cable_length' && NUMBER.test(v)) return cableLength(v, title);
  if (DIAGONALS.has(feature) && NUMBER.test(v)) {
    const cm = Math.round(Number(v) * 25.4) / 10;
    return `${cm} cm (${v}")`;
  }
  const unit = UNITS.get(feature);
  if (unit !== undefined) return NUMBER.test(v) || RANGE.test(v) ? withUnit(v, unit) : value;
  const bySize = BY_SIZE.get(feature);
  if (bySize && NUMBER.test(v)) {
    const n = Number(v);
    if (n < bySize.small) return withUnit(v, bySize.smallUnit);
    if (n >= bySize.large) return withUnit(v, bySize.largeUnit);
  }
  return value;
}
