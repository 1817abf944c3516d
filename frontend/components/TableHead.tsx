/** A table's header row; `num` columns are right-aligned like their figures. */
export function TableHead({ columns }: { columns: { label: string; num?: boolean }[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th key={c.label} className={c.num ? 'num' : undefined}>
            {c.label}
          </th>
        ))}
      </tr>
    </thead>
  );
}
