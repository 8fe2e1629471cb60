import { Route, Routes } from 'react-router';
import { SegmentList } from './SegmentList.tsx';
import { SegmentPage } from './SegmentPage.tsx';
import './segments.css';

export default function Segments() {
  return (
    <Routes>
      <Route index element={<SegmentList />} />
      <Route path="new" element={<SegmentPage />} />
      <Route path=":id" element={<SegmentPage />} />
    </Routes>
  );
}
