import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import Nav from '@/components/Nav';
import './globals.css';

export const metadata: Metadata = {
  title: 'HAR: human action recognition',
  description: 'Who is doing what, when: poses and actions from videos, webcams and camera streams.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <span className="brand">HAR</span>
          <Nav />
        </header>
        <main className="page">{children}</main>
      </body>
    </html>
  );
}
