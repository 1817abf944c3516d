'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import JobList from '@/components/JobList';
import UploadPanel from '@/components/UploadPanel';
import type { Job } from '@/lib/api';

export default function UploadPage() {
  const router = useRouter();
  const [refresh, setRefresh] = useState(0);
  const open = (j: Job) => router.push(`/analysis/?service=${j.service}&id=${encodeURIComponent(j.id)}`);
  return (
    <>
      <h1>Upload a video</h1>
      <p className="lead">Poses per person per frame, an action label per tracked person, and a timeline of what happened when.</p>
      <UploadPanel
        onJobCreated={() => setRefresh((n) => n + 1)}
        onJobDone={(j) => {
          setRefresh((n) => n + 1);
          open(j);
        }}
        onOpen={open}
      />
      <JobList refreshKey={refresh} onOpen={open} />
    </>
  );
}
