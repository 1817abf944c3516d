'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';

const LINKS = [
  { href: '/', label: 'Upload' },
  { href: '/live/', label: 'Live' },
  { href: '/stream/', label: 'Stream' },
  { href: '/models/', label: 'Models' },
];

export default function Nav() {
  const pathname = usePathname() || '/';
  const active = (href: string) => (href === '/' ? pathname === '/' || pathname.startsWith('/analysis') : pathname.startsWith(href.replace(/\/$/, '')));
  return (
    <nav aria-label="Main">
      {LINKS.map((l) => (
        <Link key={l.href} href={l.href} className={active(l.href) ? 'active' : undefined} aria-current={active(l.href) ? 'page' : undefined}>
          {l.label}
        </Link>
      ))}
    </nav>
  );
}
