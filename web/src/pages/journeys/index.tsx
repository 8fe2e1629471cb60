import { Route, Routes } from 'react-router';
import { JourneyList } from './List.tsx';
import { Editor } from './Editor.tsx';
import './journeys.css';

export default function Journeys() {
  return (
    <Routes>
      <Route index element={<JourneyList />} />
      <Route path=":id" element={<Editor />} />
    </Routes>
  );
}
