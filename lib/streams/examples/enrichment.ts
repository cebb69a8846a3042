// Enrichment: each order joined with its customer's current row (a stream-table left
// join). Orders are keyed by order id, so they are re-keyed by customer first; Sluice
// repartitions them through an internal topic to line up with the customers table.
import { Produced, Serdes, StreamsBuilder } from 'sluice/streams';

export interface Order {
  customerId: string;
  amount: number;
}

export interface Customer {
  name: string;
  tier: 'standard' | 'gold';
}

export function enrichment() {
  const builder = new StreamsBuilder();
  const customers = builder.table<string, Customer>('customers', { key: Serdes.string() }); // compacted, key: customer id
  builder
    .stream<string, Order>('orders', { key: Serdes.string() }) // key: order id
    .selectKey((_orderId, order) => order.customerId)
    .leftJoin(customers, (order, customer) => ({ ...order, customer: customer?.name ?? null, tier: customer?.tier ?? null }))
    .to('enriched-orders', Produced.with(Serdes.string(), Serdes.json()));
  return builder.build();
}
