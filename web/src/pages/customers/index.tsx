import { Route, Routes } from 'react-router';
import { CustomerSearch } from './Search.tsx';
import { CustomerPage } from './CustomerPage.tsx';
import './customers.css';

export default function Customers() {
  return (
    <Routes>
      <Route index element={<CustomerSearch />} />
      <Route path=":id" element={<CustomerPage />} />
    </Routes>
  );
}
