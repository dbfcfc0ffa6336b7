export { BARCODE_KEYS } from './barcodes.js';
export { inProcessBuilder, type SegmentBuilder, workerBuilder } from './builder.js';
export { CategoryVocabulary, deriveCategory } from './category.js';
export { INDEXED_ATTRIBUTES, TYPE_ATTRIBUTES, USAGE_ATTRIBUTES } from './document.js';
export { ICECAT_DEFAULT_STOCK, type IcecatProduct, icecatToProduct, icecatVocabulary } from './icecat.js';
export { ProductIndex, type ProductIndexOptions } from './product-index.js';
export { SearchSegment } from './segment.js';
export { ShardedIndex, type ShardedIndexOptions, type ShardOpening } from './shards.js';
export { highlight, queryTerms, tokenize } from './text.js';
